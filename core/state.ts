/**
 * What clients of one process share: a request budget per key (so two jobs on one Clipdrop key stay within its 60
 * requests a minute together) and the count of jobs running per key (so a credit difference read from the balance
 * is reported only when no other job could have spent part of it). Injectable through ClientConfig.state; the
 * default is one in-memory registry per process, which is how it always behaved.
 */
import { RequestBudget, type Budget, type BudgetLimits } from './budget';

/** Jobs on one key: how many run now, and how many ever started (a change means another job overlapped). */
export interface Activity {
	active: number;
	starts: number;
}

export interface SharedState {
	/**
	 * The budget for a scope (provider + base URL + key); limits given later replace earlier ones. The scope holds
	 * the key: an implementation that stores it anywhere stores a hash of it.
	 */
	budget(scope: string, limits: BudgetLimits): Budget;
	activity(scope: string): Activity;
}

/** The in-process state: its budgets are RequestBudgets. */
export interface MemoryState extends SharedState {
	budget(scope: string, limits: BudgetLimits): RequestBudget;
}

/**
 * One budget per scope, made on first use; limits given later replace earlier ones (a user may raise their quota).
 * Shared by every SharedState, whatever its budgets are made of.
 */
export function budgetCache<B extends { limits: BudgetLimits }>(create: (scope: string, limits: BudgetLimits) => B): (scope: string, limits: BudgetLimits) => B {
	const budgets = new Map<string, B>();
	return (scope, limits) => {
		let b = budgets.get(scope);
		if (!b) {
			b = create(scope, limits);
			budgets.set(scope, b);
		} else if (b.limits.requests !== limits.requests || b.limits.windowMs !== limits.windowMs) {
			b.limits = limits;
		}
		return b;
	};
}

/** State held in this process's memory. Keys live only in these maps' keys, never written anywhere. */
export function memoryState(): MemoryState {
	const activity = new Map<string, Activity>();
	return {
		budget: budgetCache((_scope, limits) => new RequestBudget(limits)),
		activity(scope) {
			let a = activity.get(scope);
			if (!a) {
				a = { active: 0, starts: 0 };
				activity.set(scope, a);
			}
			return a;
		},
	};
}

/** The default: one registry for the whole process. */
export const processState: MemoryState = memoryState();

/** The process's budget for a scope. */
export function budgetFor(scope: string, limits: BudgetLimits): RequestBudget {
	return processState.budget(scope, limits);
}
