// ESLint for the whole package: typescript-eslint's recommended rules, plus the house rule that core/
// imports nothing but zod and itself (no Node, n8n, discord.js or undici: those come in through ports).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
	{
		files: ['test/**/*.ts'],
		rules: { '@typescript-eslint/no-explicit-any': 'off' },
	},
);
