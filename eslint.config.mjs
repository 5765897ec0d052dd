// ESLint for the whole package: typescript-eslint's recommended rules, plus the house rule that core/
// imports nothing but zod and itself (no Node, n8n, discord.js or undici: those come in through ports).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import n8nCommunity from '@n8n/eslint-plugin-community-nodes';
import * as jsoncParser from 'jsonc-eslint-parser';

export default tseslint.config(
	{ ignores: ['dist/**', 'coverage/**', 'node_modules/**', 'demo-output/**', '**/*.js', '**/*.mjs'] },
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
						{ regex: '^\\.\\./(\\.\\./)*(runtime|cli|nodes|credentials|bot|test)(/|$)', message: 'core/ never imports an adapter.' },
					],
				},
			],
			'no-restricted-globals': ['error', 'process', 'setTimeout', 'setInterval', 'Buffer', 'require', 'fetch'],
		},
	},
	// n8n's own rules for community nodes, on the node and its credentials. "WithoutN8nCloudSupport": this package
	// has runtime dependencies (undici and zod for the CLI and bot; the node itself imports only n8n-workflow,
	// zod via core/, and relative modules), so n8n Cloud verification is not a goal.
	{
		files: ['nodes/**/*.ts', 'credentials/**/*.ts'],
		...n8nCommunity.configs.recommendedWithoutN8nCloudSupport,
	},
	{
		files: ['package.json'],
		languageOptions: { parser: jsoncParser },
		plugins: n8nCommunity.configs.recommendedWithoutN8nCloudSupport.plugins,
		rules: Object.fromEntries(
			Object.entries(n8nCommunity.configs.recommendedWithoutN8nCloudSupport.rules).filter(([name]) => !name.startsWith('@typescript-eslint/')),
		),
	},
	{
		files: ['test/**/*.ts'],
		rules: { '@typescript-eslint/no-explicit-any': 'off' },
	},
);
