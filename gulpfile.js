// Build steps tsc does not do: the node and credential icons next to their compiled files (n8n loads them from
// dist/), the toolkit package's dist/ (the CLI, the bot and the local engine with the core they share, copied
// from the one build, so both packages carry the same compiled core and no source is duplicated), and the same for
// the Zapier app and the Activepieces piece.
const { src, dest, series } = require('gulp');
const { rmSync } = require('node:fs');

function buildIcons() {
	return src(['nodes/**/*.{png,svg,json}', 'credentials/**/*.{png,svg}'], { base: '.', encoding: false, allowEmpty: true }).pipe(
		dest('dist'),
	);
}

// The service's page is a static file next to its compiled routes.
function buildPage() {
	return src(['service/page/**/*'], { base: '.', encoding: false }).pipe(dest('dist'));
}

function cleanToolkit(done) {
	rmSync('toolkit/dist', { recursive: true, force: true });
	done();
}

function copyToolkit() {
	return src(['dist/{core,runtime,cli,bot,service}/**/*'], { base: 'dist', encoding: false }).pipe(dest('toolkit/dist'));
}

// The Zapier app's dist/: the compiled app with the same compiled core, so zapier/ is a self-contained Zapier CLI
// app (`zapier push` uploads that directory) and `require('./zapier')` works in the repository.
function cleanZapier(done) {
	rmSync('zapier/dist', { recursive: true, force: true });
	done();
}

function copyZapier() {
	return src(['dist/{core,zapier}/**/*'], { base: 'dist', encoding: false }).pipe(dest('zapier/dist'));
}

// The Activepieces piece's dist/: the compiled piece with the same compiled core, and the few Node files it uses
// (undici's Http port, the private-address guard of the job service and its error, the env switch), so activepieces/
// is a self-contained npm package (`npm pack` it to install the piece) and `require('./activepieces')` works here.
function cleanActivepieces(done) {
	rmSync('activepieces/dist', { recursive: true, force: true });
	done();
}

function copyActivepieces() {
	return src(['dist/{core,activepieces}/**/*', 'dist/runtime/{http-undici,env-schema}.{js,d.ts}', 'dist/service/{url-guard,problem}.{js,d.ts}'], { base: 'dist', encoding: false }).pipe(
		dest('activepieces/dist'),
	);
}

exports['build:icons'] = series(buildIcons, buildPage);
exports['build:toolkit'] = series(cleanToolkit, copyToolkit);
exports['build:zapier'] = series(cleanZapier, copyZapier);
exports['build:activepieces'] = series(cleanActivepieces, copyActivepieces);
