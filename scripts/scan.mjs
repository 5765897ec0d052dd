// n8n's verification scanner (@n8n/scan-community-package's analyzePackage), run offline on a folder: the unpacked
// tarball (every .js/.ts/.json in it) or, with --sources, the repository's package.json + nodes/ + credentials/ as
// n8n lints them. Prints the verdict and any violations; exits 1 when they fail. `npm run scan` runs both legs.
import { analyzePackage, SOURCE_FILE_PATTERNS } from '@n8n/scan-community-package/scanner/scanner.mjs';
import { resolve } from 'node:path';

const [dir = '.', mode] = process.argv.slice(2);
const result = await analyzePackage(resolve(dir), mode === '--sources' ? SOURCE_FILE_PATTERNS : undefined);
process.stdout.write(`${JSON.stringify({ passed: result.passed, message: result.message ?? null })}\n`);
if (result.details) process.stdout.write(result.details);
process.exit(result.passed ? 0 : 1);
