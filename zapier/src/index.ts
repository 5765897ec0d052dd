/**
 * The Zapier app: the connection, "Upscale Image" (a create) and "Find Upscale Task" (a search), on the same core
 * as the n8n node and the toolkit. `zapier/index.js` exports it; see the README's "Zapier" section for pushing it.
 */
import { version } from '../package.json';
import { authentication } from './connection';
import { upscaleImage } from './creates/upscale-image';
import { resultFile } from './hydrators/result-file';
import { findUpscaleTask } from './searches/find-upscale-task';

/** The platform the app is built on, as Zapier's own template states it: the installed zapier-platform-core. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const platformVersion = (require('zapier-platform-core') as { version: string }).version;

export const app = {
	version,
	platformVersion,
	authentication,
	hydrators: { resultFile },
	creates: { [upscaleImage.key]: upscaleImage },
	searches: { [findUpscaleTask.key]: findUpscaleTask },
	triggers: {},
};
