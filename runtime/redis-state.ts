/**
 * What clients share when they run in several processes: the request budget of each key lives in Redis
 * (redis-budget.ts), so every process on a key stays within the vendor's limit together. Hand it to the core as
 * `new UpscaleClient({ ..., state: redisState(redis) })`. The count of jobs running per key (used to tell whether a
 * credit difference read from the balance is this job's alone) stays per process.
 */
import type { Redis } from 'ioredis';
import { memoryState, type BudgetLimits, type SharedState } from '../core';
import { RedisBudget, type RedisBudgetOptions } from './redis-budget';

export function redisState(redis: Redis, opts: RedisBudgetOptions = {}): SharedState & { budget(scope: string, limits: BudgetLimits): RedisBudget } {
	const local = memoryState();
	const budgets = new Map<string, RedisBudget>();
	return {
		budget(scope, limits) {
			let b = budgets.get(scope);
			if (!b) {
				b = new RedisBudget(redis, scope, limits, opts);
				budgets.set(scope, b);
			} else if (b.limits.requests !== limits.requests || b.limits.windowMs !== limits.windowMs) {
				b.limits = limits;
			}
			return b;
		},
		activity: (scope) => local.activity(scope),
	};
}
