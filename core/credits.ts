/**
 * Credit accounting for one job. Clipdrop says what a job cost in its answer. Ximilar does not: its balance is read
 * before and after, and the difference is reported only when no other job on the same key ran meanwhile in this
 * process (otherwise it is unknown, never a wrong number).
 */
import type { UpscaleError } from './errors';
import type { Flow } from './flow';
import type { Credits, VendorContext } from './vendors/types';

type Balance = { used: number | null; remaining: number | null };

export interface CreditMeter {
	/** The job's credits: as the vendor said, or measured from the balance. */
	finish(ctx: VendorContext, said: Partial<Credits>): Promise<Credits>;
	/** The job is over (whatever the outcome). */
	end(): void;
}

/** Counts the job as running on its key and, for a vendor whose credits come from the balance, reads it first. */
export async function startCreditMeter(f: Flow, ctx: VendorContext): Promise<CreditMeter> {
	const act = f.state.activity(f.scope);
	let overlapped = act.active > 0;
	const myStart = ++act.starts;
	act.active++;
	let ended = false;
	const end = () => {
		if (!ended) act.active--;
		ended = true;
	};
	let before: Balance | undefined;
	if (f.vendor.creditsFromBalance && f.vendor.balance) {
		before = await f.vendor.balance(ctx).catch((e: UpscaleError) => {
			if (e.code === 'AUTH' || e.code === 'ABORTED') {
				end();
				throw e; // a bad key fails here, before anything is spent
			}
			return undefined;
		});
	}
	return {
		end,
		async finish(ctx, said) {
			overlapped ||= act.starts !== myStart;
			if (!before) return { consumed: said.consumed ?? null, remaining: said.remaining ?? null };
			const after = await readBalance(f, ctx);
			const consumed = !overlapped && after?.used != null && before.used != null ? after.used - before.used : null;
			return { consumed, remaining: after?.remaining ?? null };
		},
	};
}

/** The balance after a submit or a resumed task (no difference can be measured there). */
export async function remainingAfter(f: Flow, ctx: VendorContext): Promise<number | null> {
	return (await readBalance(f, ctx))?.remaining ?? null;
}

/** The balance when the vendor can tell it; undefined when it cannot or the read failed (it never fails a job). */
function readBalance(f: Flow, ctx: VendorContext): Promise<Balance | undefined> {
	return f.vendor.balance ? f.vendor.balance(ctx).catch(() => undefined) : Promise.resolve(undefined);
}
