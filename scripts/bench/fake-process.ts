/**
 * A Clipdrop fake in its own process, for benchmarks that time a client: the vendor's work (parsing uploads,
 * serving results) then never runs on the measuring process's event loop, as it never does in real life.
 * Options come as JSON in argv[2]; the URL is printed on stdout; the process ends with its parent's stdin.
 */
import { ClipdropFake, type ClipdropFakeOptions } from '../../test/fakes/clipdrop';

const fake = new ClipdropFake(JSON.parse(process.argv[2] ?? '{}') as ClipdropFakeOptions);
void fake.start().then(() => process.stdout.write(`${fake.url}\n`));
process.stdin.on('end', () => void fake.stop().then(() => process.exit(0)));
process.stdin.resume();
