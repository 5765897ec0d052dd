/**
 * What clients share when they run in several processes: the request budget of each key lives in Redis
 * (redis-budget.ts), so every process on a key stays within the vendor's limit together. Hand it to the core as
 * `new UpscaleClient({ ..., state: redisState(redis) })`. The count of jobs running per key (used to tell whether a
 * credit difference read from the balance is this job's alone) stays per process.
 */
import type { Redis } from 'ioredis';
import { budgetCache, memoryState, type BudgetLimits, type SharedState } from '../core';
import { RedisBudget, type RedisBudgetOptions } from './redis-budget';

export function redisState(redis: Redis, opts: RedisBudgetOptions = {}): SharedState & { budget(scope: string, limits: BudgetLimits): RedisBudget } {
	const local = memoryState();
	return {
		budget: budgetCache((scope, limits) => new RedisBudget(redis, scope, limits, opts)),
		activity: (scope) => local.activity(scope),
	};
}
