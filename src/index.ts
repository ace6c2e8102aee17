/**
 * stapling-doctor's programmatic API: the public surface, nothing more.
 *
 * ```ts
 * import fs from 'node:fs';
 * import { loadRules, analyze, analyzeStream, renderReport } from 'stapling-doctor';
 * const rules = await loadRules();
 * const data = analyze(['2014/05/09 17:38:16 [error] 1580#0: OCSP_basic_verify() failed (…) while requesting certificate status, responder: ocsp.example.com'], rules);
 * data.findings[0].messageId;                      // 'response-signature-invalid.default': findings are data …
 * const report = renderReport(data);               // … and renderReport words them (message, fix)
 * const streamed = await analyzeStream(fs.createReadStream('/var/log/nginx/error.log'), rules);
 * ```
 */
export { parseLine, type ParseOptions } from './parse/line.js';
export { loadRules, RuleLoadError, type LoadRulesOptions } from './rules/load.js';
export { explainLine, type Explanation, type RuleVerdict } from './rules/explain.js';
export {
  createAnalyzer,
  analyze,
  renderReport,
  type Analyzer,
  type AnalyzerOptions,
  type AnalyzerEvent,
  type InputHandle,
  type Report,
} from './findings/analyzer.js';
export { splitLines } from './lines/split.js';
export { renderFinding } from './findings/render.js';
export { causeRegistry, messageIdOf, type CauseRegistry } from './findings/registry.js';
export { CAUSES, type CauseModule, type CauseContext } from './findings/causes/index.js';
export { analyzeStream, type ScanOptions } from './run/stream.js';
export { run, type RunParams } from './run/run.js';
export { decodeRecord, isRecordLine, parseRecord, type DecodedRecord, type RecordResult } from './parse/record.js';
export { hostPattern, HostPatternError, DEFAULT_HOST_PATTERN, type HostPattern } from './input/host-path.js';
export { ecsDocument, ECS_VERSION } from './format/ecs.js';
export { exportRules, EXPORT_TARGETS, type ExportNote, type ExportResult, type ExportTarget, type ExportOptions } from './export/index.js';
export { VERSION } from './version.js';
export * from './types.js';
