/**
 * Jest runs the TypeScript sources as native ES modules (ts-jest "default-esm" preset), because the
 * package is ESM ("type": "module", chalk 5 is ESM-only). Node needs --experimental-vm-modules for
 * that; `npm test` passes it. End-to-end tests spawn the built CLI from dist/ (built by `npm test`).
 * @type {import('jest').Config}
 */
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
};
