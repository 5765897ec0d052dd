/** @type {import('jest').Config} */
module.exports = {
	testEnvironment: 'node',
	transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
	testMatch: ['<rootDir>/test/**/*.test.ts'],
	testTimeout: 60_000,
	collectCoverageFrom: ['core/**/*.ts', 'runtime/**/*.ts', 'nodes/**/*.ts', 'credentials/**/*.ts', 'bot/**/*.ts', 'cli/**/*.ts', '!bot/main.ts', '!bot/deploy.ts', '!**/*.d.ts'],
	coverageReporters: ['text-summary', 'text', 'json-summary'],
	coverageThreshold: { './core/': { lines: 90 } },
};
