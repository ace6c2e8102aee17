/**
 * The cause registry and the data side of wording: which cause module a finding belongs to, which of its
 * message variants applies (the message id the core puts on every finding), and what an inspection tells
 * the wording. Nothing here writes prose; `render.ts` does, once.
 */
import {
  CAUSES,
  causeContext,
  expiredNotAfter,
  fromGnutls,
  luaScriptOf,
  type CauseContext,
  type CauseModule,
  type InspectionFacts,
} from './causes/index.js';
import type { FindingData, InspectionData, Server, Severity } from '../types.js';

/** The cause modules by id: the built-in ones, plus any a caller adds (`extraCauses`). */
export type CauseRegistry = Readonly<Record<string, CauseModule>>;

/**
 * A registry of the built-in causes plus extra cause modules (an API user's own causes; tests).
 * @throws Error when an extra module reuses a built-in id
 */
export function causeRegistry(extra: readonly CauseModule[] = []): CauseRegistry {
  const out: Record<string, CauseModule> = { ...CAUSES };
  for (const m of extra) {
    if (out[m.id]) throw new Error(`cause "${m.id}" is already defined`);
    out[m.id] = m;
  }
  return out;
}

export function moduleOf(cause: string, registry: CauseRegistry): CauseModule {
  const m = registry[cause];
  if (!m) throw new Error(`unknown cause "${cause}": no cause module defines it`);
  return m;
}

/**
 * A cause's fix in a few words for a rule's lines on a server (exports): mod_gnutls's (`brief.gnutls`) for
 * a `gnutls-*` rule's Apache lines, the Lua scripts' (`brief.lua`) for a `lua-*` rule's nginx lines, else the
 * server's; null when the module has none for them (never mod_ssl's words for mod_gnutls's lines, nor nginx's
 * stapling directives for a Lua script's).
 */
export function briefFor(m: CauseModule, server: Server, ruleIds: readonly string[]): string | null {
  if (server === 'apache' && fromGnutls(ruleIds)) return m.brief.gnutls ?? null;
  if (server === 'nginx' && luaScriptOf(ruleIds) !== null) return m.brief.lua ?? null;
  return m.brief[server];
}

/** What an inspection tells the wording: missing certificates, files, expiry, Let's Encrypt. */
export function factsOf(i: InspectionData | undefined): InspectionFacts | undefined {
  if (!i) return undefined;
  const expired = i.checks.find((c) => c.check === 'expired' && c.detailId === 'expired');
  return {
    missing: i.missing,
    ...(i.certificate?.file !== undefined ? { certificateFile: i.certificate.file } : {}),
    trustedFiles: i.trustedFiles ?? [],
    haveConfig: i.haveConfig ?? false,
    ...(expired ? { expiredOn: String(expired.data.notAfter) } : {}),
    ...notYetValidOf(i),
    ...expiredInChainOf(i),
    ...blocksOf(i),
    ...(i.checks.some((c) => c.check === 'lets-encrypt' && c.result === 'confirmed') ? { letsEncrypt: true } : {}),
    ...(i.result === 'refuted' ? { refuted: refutedDetails(i) } : {}),
    ...(i.checks.some((c) => c.check === 'must-staple' && c.result === 'confirmed') ? { mustStaple: true } : {}),
    ...forcedOf(i),
  };
}

/**
 * The blocks a finding stands for when there are several (`verdictFor`), labelled with their first name when the
 * inspection has them (`blocks`, `--inspect`); else (a `check` finding) the server names of their endpoints.
 */
function blocksOf(i: InspectionData): Pick<InspectionFacts, 'blocks' | 'blockNames'> {
  const fors = i.verdictFor ?? [];
  if (fors.length < 2) return {};
  const first = new Map((i.blocks ?? []).map((b) => [b.block, b.names[0]]));
  const blocks = fors.map((b) => (first.get(b) ? `${b} (${first.get(b)})` : b));
  if (i.blocks) return { blocks };
  const names = [...new Set((i.endpoints ?? []).map((e) => e.serverName).filter((n): n is string => !!n))];
  return names.length > 0 ? { blocks, blockNames: names } : { blocks };
}

/** The certificate that is not valid yet, from the check that found it with its file and time (`notYetValid`). */
function notYetValidOf(i: InspectionData): Pick<InspectionFacts, 'notYetValid'> {
  const c = i.checks.find((x) => x.check === 'expired' && x.detailId === 'notYetValid' && x.result === 'confirmed');
  if (!c || typeof c.data.subject !== 'string') return {};
  const d = c.data;
  const role = d.role === 'intermediate' ? 'intermediate' : 'certificate';
  const from = typeof d.from === 'string' ? { from: d.from } : {};
  return {
    notYetValid: { subject: d.subject as string, file: String(d.file), notBefore: String(d.notBefore), now: String(d.now), role, ...from },
  };
}

/** The expired CA certificate after the leaf, from the check that found it (`expiredIntermediate`, `expiredUnneeded`). */
function expiredInChainOf(i: InspectionData): Pick<InspectionFacts, 'expiredInChain'> {
  const c = i.checks.find((x) => x.check === 'expired' && x.result === 'confirmed' && /^expired(Intermediate|Unneeded)$/.test(x.detailId));
  if (!c) return {};
  const d = c.data;
  const needed = c.detailId === 'expiredIntermediate';
  return {
    expiredInChain: {
      subject: String(d.subject),
      file: String(d.file),
      from: String(d.from),
      notAfter: String(d.notAfter),
      now: String(d.now),
      needed,
      ...(typeof d.caIssuers === 'string' ? { caIssuers: d.caIssuers } : {}),
      ...(typeof d.where === 'string' ? { twin: d.where } : {}),
    },
  };
}

/** The responder URL a block forces, from the check that found it (`ocspUrlForced`, `ocspUrlForcedOther`). */
function forcedOf(i: InspectionData): Pick<InspectionFacts, 'forcedResponder'> {
  const c = i.checks.find((x) => x.detailId === 'ocspUrlForced' || x.detailId === 'ocspUrlForcedOther');
  const url = c?.data.forced;
  return typeof url === 'string' ? { forcedResponder: { url, block: String(c!.data.block ?? '') } } : {};
}

/** The detail ids of the checks that refute the diagnosis (of every block, when each was judged). */
function refutedDetails(i: InspectionData): string[] {
  const all = [...i.checks, ...(i.blocks ?? []).flatMap((b) => b.checks)];
  return [...new Set(all.filter((c) => c.result === 'refuted').map((c) => c.detailId))];
}

/**
 * The severity of a finding once its certificate is known to have expired: an expired certificate is an
 * error (clients refuse it whatever is stapled). Known from the log (Apache's `notafter` before the
 * line's own time, {@link expiredNotAfter}) or from `--inspect` (the `expired` check). Else unchanged.
 */
export function severityOf(f: Pick<FindingData, 'severity' | 'subject' | 'data' | 'inspection'>): Severity {
  const inspected = f.inspection?.checks.some((c) => c.check === 'expired' && c.detailId === 'expired' && c.result === 'confirmed');
  return inspected || expiredNotAfter(f.subject, f.data) !== null ? 'error' : f.severity;
}

/** The parts of a finding its wording depends on; without `ruleIds` it is worded as mod_ssl's, not mod_gnutls's. */
export type Wordable = Pick<FindingData, 'cause' | 'server' | 'subject' | 'data' | 'inspection' | 'aggregate' | 'origin'> &
  Partial<Pick<FindingData, 'ruleIds' | 'evidence'>>;

/** The context of a finding's wording: its values, its rules, and what a cut took from its evidence lines. */
export function contextOf(f: Wordable): CauseContext {
  const lost = new Set((f.evidence ?? []).flatMap((e) => e.cut?.tail?.missing ?? []));
  return causeContext(f.server, f.subject, f.data, factsOf(f.inspection), f.origin === 'check', f.ruleIds, lost);
}

/**
 * The message id of a finding: `<cause>.<variant>`, the variant chosen by its cause module from the
 * values (and the inspection, when there is one); `<cause>.summary` for a summary finding
 * ({@link FindingData.aggregate}), which `render.ts` words for every cause alike. Pure; the core calls it,
 * and `--inspect` again.
 * @throws Error for a cause no module defines
 */
export function messageIdOf(f: Wordable, registry: CauseRegistry = CAUSES): string {
  const m = moduleOf(f.cause, registry);
  if (f.aggregate) return `${f.cause}.summary`;
  return `${f.cause}.${m.variant?.(contextOf(f)) ?? 'default'}`;
}
