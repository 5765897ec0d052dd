// Copies the node and credential icons next to their compiled files, as n8n loads them from dist/.
const { src, dest } = require('gulp');

function buildIcons() {
	return src(['nodes/**/*.{png,svg,json}', 'credentials/**/*.{png,svg}'], { base: '.', encoding: false, allowEmpty: true }).pipe(
		dest('dist'),
	);
}

exports['build:icons'] = buildIcons;
