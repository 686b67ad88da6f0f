// ESM + TypeScript through ts-jest; run with NODE_OPTIONS=--experimental-vm-modules (pdf.js loads its worker by import()).
/** @type {import('jest').Config} */
export default {
  testEnvironment: "node",
  extensionsToTreatAsEsm: [".ts"],
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  transform: { "^.+\\.ts$": ["ts-jest", { useESM: true, diagnostics: false }] },
  testMatch: ["<rootDir>/test/**/*.test.ts"],
  // test/s3 needs moto's server: `npm run test:s3` runs it on its own.
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/test/s3/"],
  testTimeout: 120000,
  maxWorkers: 1,
  verbose: true,
};
