/**
 * Jest runs the TypeScript sources as native ES modules (ts-jest "default-esm" preset), because the
 * package is ESM ("type": "module", chalk 5 is ESM-only). Node needs --experimental-vm-modules for
 * that; `npm test` passes it. End-to-end tests spawn the built CLI from dist/ (built by `npm test`).
 * @type {import('jest').Config}
 */
import { availableParallelism } from 'node:os';

export default {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json', diagnostics: { ignoreCodes: [151002] } }],
  },
  testTimeout: 30000,
  // Jest's default is one worker fewer than the cores: one worker on a 2-core CI machine ran the ~1 700 s of
  // suites one after the other (27–30 min). Two workers at least; the real-server suites take free ports
  // and their own server roots, so two may run at once.
  maxWorkers: Math.max(2, availableParallelism() - 1),
};
