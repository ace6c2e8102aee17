/**
 * stapling-doctor's programmatic API.
 *
 * ```ts
 * import { loadRules, analyze, analyzeStream, parseLine } from 'stapling-doctor';
 * const rules = await loadRules();
 * const report = analyze(['2014/05/09 17:38:16 [error] 1580#0: OCSP_basic_verify() failed (…) while requesting certificate status, responder: ocsp.example.com'], rules);
 * const live = await analyzeStream(fs.createReadStream('/var/log/nginx/error.log'), rules);
 * ```
 */
export { parseLine, type ParseOptions } from './parse/line.js';
export { splitApacheCertSuffix, unescapeApacheDn } from './parse/apache-cert.js';
export { loadRules, compileRule, compileRuleSpec, parseRule, builtinRulesDir, RuleLoadError, type LoadRulesOptions } from './rules/load.js';
export {
  createAnalyzer,
  analyze,
  splitLines,
  type Analyzer,
  type AnalyzerOptions,
  type AnalyzerEvent,
  type InputHandle,
  type Report,
} from './findings/analyzer.js';
export { createMatcher, type Matcher, type RuleHit } from './rules/match.js';
export { LineScanner, DEFAULT_MAX_LINE_LENGTH } from './lines/scan.js';
export { AnchorPlanner, byteModel, chooseAnchors, type ByteModel } from './rules/prefilter.js';
export { analyzeStream, scanInput, type ScanOptions } from './run/stream.js';
export { CAUSES, describe, fixFor, type CauseInfo } from './findings/causes.js';
export { run, type RunParams } from './run/run.js';
export { VERSION } from './version.js';
export * from './types.js';
