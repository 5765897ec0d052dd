/**
 * The Activepieces piece: the connection, "Upscale Image" and "Get Task", on the same core as the n8n node, the
 * Zapier app and the toolkit. `activepieces/index.js` exports it; docs/activepieces.md says how to install it.
 */
import { createPiece } from '@activepieces/pieces-framework';
import { PieceCategory } from '@activepieces/shared';
import { listWords, VENDOR_IDS, VENDOR_REGISTRY } from '../../core';
import { getTask } from './actions/get-task';
import { upscaleImage } from './actions/upscale-image';
import { upscaleAuth } from './auth';

export const upscale = createPiece({
	displayName: 'Upscale',
	description: `Upscale images with ${listWords(VENDOR_IDS.map((id) => VENDOR_REGISTRY[id].name), 'or')} (super resolution).`,
	auth: upscaleAuth,
	// The first release with the piece context this framework builds for (waitpoints instead of run.pause).
	minimumSupportedRelease: '0.82.0',
	logoUrl: 'https://raw.githubusercontent.com/n8n-nodes-upscale/n8n-nodes-upscale/main/nodes/Upscaler/upscaler.svg',
	authors: ['n8n-nodes-upscale contributors'],
	categories: [PieceCategory.ARTIFICIAL_INTELLIGENCE],
	actions: [upscaleImage, getTask],
	triggers: [],
});
