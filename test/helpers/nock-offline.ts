/**
 * nock for one test file: no real network (except what `allow` names) while the file runs, and Node's `http` given
 * back afterwards. nock patches the core `http` module, which Jest shares between the test files a worker runs: left
 * active, it swallowed a later file's requests (a request with only its headers flushed never left; a 45 MB body
 * was buffered whole), and which files met it depended on the order a fresh clone's workers took them.
 */
import nock from 'nock';

export function nockOffline(allow?: RegExp): void {
	beforeAll(() => {
		if (!nock.isActive()) nock.activate();
		nock.disableNetConnect();
		if (allow) nock.enableNetConnect(allow);
	});
	afterAll(() => {
		nock.cleanAll();
		nock.enableNetConnect();
		nock.restore();
	});
}
