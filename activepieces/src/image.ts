/**
 * The image a step is given: a file (from an earlier step: Activepieces hands its bytes) or an http(s) URL. A URL
 * goes through the job service's private-address guard (service/url-guard.ts), since the piece fetches it from
 * inside the Activepieces worker's network: refused when it is not http(s), carries a password, or its host is or
 * resolves to a private or loopback address, and every connection (each redirect's included) is checked again by
 * the guarded connector. The worker's operator allows private URLs with UPSCALE_ALLOW_PRIVATE_URLS=1, as for the
 * service. The image is then checked by the core before any credit is spent.
 */
import { Property, type ApFile } from '@activepieces/pieces-framework';
import { DEFAULT_RETRY, downloadImage, imageUrlOf, safeFileName, Transport, type UpscaleInput, type VendorId } from '../../core';
import { nodePorts } from '../../runtime/http-undici';
import { envSwitch } from '../../runtime/env-schema';
import { checkPublicUrl, clientUrlHttp } from '../../service/url-guard';
import { PieceError } from './errors';

/** How long an image URL may take to download. */
const DOWNLOAD_MS = 120_000;

export const imageProps = {
	image: Property.File({
		displayName: 'Image',
		description: 'The image file from an earlier step. PNG, JPEG or WebP, up to 30 MB. For an image on the web, use Image URL instead.',
		required: false,
	}),
	image_url: Property.ShortText({
		displayName: 'Image URL',
		description: 'Or a public http(s) URL of the image (e.g. https://example.com/photo.jpg). Addresses inside your network are refused.',
		required: false,
	}),
};

/** UPSCALE_ALLOW_PRIVATE_URLS on the worker: the operator's switch, as for the job service. */
function allowPrivate(): boolean {
	const r = envSwitch('UPSCALE_ALLOW_PRIVATE_URLS').safeParse(process.env.UPSCALE_ALLOW_PRIVATE_URLS);
	if (!r.success) throw new PieceError('UPSCALE_ALLOW_PRIVATE_URLS must be on or off: ask the operator of this Activepieces to fix it.');
	return r.data;
}

/** An ApFile's bytes, without copying them. */
const bytesOf = (f: ApFile) => new Uint8Array(f.data.buffer, f.data.byteOffset, f.data.length);

/** Downloads an image URL through the guard; the image host gets no key. */
async function fromUrl(raw: string, provider: VendorId): Promise<{ input: UpscaleInput; fileName: string }> {
	const url = imageUrlOf({ url: raw }, provider);
	const open = allowPrivate();
	await checkPublicUrl(url, 'Image URL', open);
	const t = new Transport({ provider, vendorName: 'the image host', ports: { ...nodePorts(), http: clientUrlHttp(open) }, authHeaders: {}, retry: DEFAULT_RETRY });
	const { bytes, fileName } = await downloadImage(t, url, { deadline: Date.now() + DOWNLOAD_MS, provider });
	return { input: { bytes, fileName }, fileName };
}

/** The step's image as the core takes it, and the name the result is named after. */
export async function readImage(props: { image?: ApFile | null; image_url?: string | null }, provider: VendorId): Promise<{ input: UpscaleInput; fileName: string }> {
	const file = props.image ?? undefined;
	const url = typeof props.image_url === 'string' ? props.image_url.trim() : '';
	if (file && url) throw new PieceError('Give the image as a file (Image) or as a URL (Image URL), not both.');
	if (file) {
		if (!file.data?.length) throw new PieceError('The file in Image is empty: map the image file from an earlier step.');
		const fileName = safeFileName(file.filename || 'image');
		return { input: { bytes: bytesOf(file), fileName }, fileName };
	}
	if (url) return fromUrl(url, provider);
	throw new PieceError('Add an image: a file from an earlier step in Image, or a public http(s) URL in Image URL.');
}
