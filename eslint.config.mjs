// ESLint for the whole package: typescript-eslint's recommended rules, plus the house rule that core/
// imports nothing but zod and itself (no Node, n8n, discord.js or undici: those come in through ports).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import n8nCommunity from '@n8n/eslint-plugin-community-nodes';
import * as jsoncParser from 'jsonc-eslint-parser';

export default tseslint.config(
	{ ignores: ['dist/**', 'toolkit/dist/**', 'zapier/dist/**', 'coverage/**', 'node_modules/**', 'demo-output/**', 'scratch/**', '**/*.js', '**/*.mjs'] },
	js.configs.recommended,
	...tseslint.configs.recommended,
	{
		rules: {
			'@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
		},
	},
	{
		files: ['core/**/*.ts'],
		rules: {
			'no-restricted-imports': [
				'error',
				{
					patterns: [
						{ regex: '^(?!zod$|\\.{1,2}/)', message: 'core/ imports only zod and its own modules; side effects come in through ports.' },
						{ regex: '^\\.\\./(\\.\\./)*(runtime|cli|nodes|credentials|bot|service|zapier|test)(/|$)', message: 'core/ never imports an adapter.' },
					],
				},
			],
			'no-restricted-globals': ['error', 'process', 'setTimeout', 'setInterval', 'Buffer', 'require', 'fetch'],
		},
	},
	// The toolkit's shared Node side serves every door and imports none; the bot and the job service are doors that
	// do not reach into each other (what both need lives in runtime/).
	{
		files: ['runtime/**/*.ts'],
		rules: { 'no-restricted-imports': ['error', { patterns: [{ regex: '^\\.\\./(\\.\\./)*(cli|nodes|credentials|bot|service|zapier|activepieces|test)(/|$)', message: 'runtime/ never imports a door.' }] }] },
	},
	{
		files: ['bot/**/*.ts'],
		rules: { 'no-restricted-imports': ['error', { patterns: [{ regex: '^\\.\\./(\\.\\./)*(cli|nodes|service|zapier|activepieces)(/|$)', message: 'the bot does not import another door: shared code goes in runtime/.' }] }] },
	},
	{
		files: ['service/**/*.ts'],
		rules: { 'no-restricted-imports': ['error', { patterns: [{ regex: '^\\.\\./(\\.\\./)*(cli|nodes|bot|zapier|activepieces)(/|$)', message: 'the job service does not import another door: shared code goes in runtime/.' }] }] },
	},
	// n8n's own rules for community nodes, with n8n Cloud's ("recommended"), on the node, its credentials and the
	// core they ship with. The n8n package has no runtime dependencies; the test suite also runs n8n's verification
	// scanner on the packed tarball and on these sources.
	{
		files: ['nodes/**/*.ts', 'credentials/**/*.ts', 'core/**/*.ts'],
		...n8nCommunity.configs.recommended,
	},
	// core/ knows nothing of n8n (the same code runs in the toolkit and Zapier): its errors are UpscaleError, which
	// the node turns into NodeApiError/NodeOperationError (nodes/Upscaler/errors.ts).
	{
		files: ['core/**/*.ts'],
		rules: { '@n8n/community-nodes/require-node-api-error': 'off' },
	},
	{
		files: ['package.json'],
		languageOptions: { parser: jsoncParser },
		plugins: n8nCommunity.configs.recommended.plugins,
		rules: Object.fromEntries(Object.entries(n8nCommunity.configs.recommended.rules).filter(([name]) => !name.startsWith('@typescript-eslint/'))),
	},
	{
		files: ['test/**/*.ts'],
		rules: { '@typescript-eslint/no-explicit-any': 'off' },
	},
);
