/** The job engine's tables (the job service's jobs.db, the bot's bot.db), one migration per entry (applied in order, tracked by SQLite's user_version). */
export const MIGRATIONS: readonly string[] = [
	`
	CREATE TABLE jobs (
		id TEXT PRIMARY KEY,
		client_id TEXT NOT NULL,
		status TEXT NOT NULL,          -- queued | running | succeeded | failed | canceled
		phase TEXT NOT NULL,           -- queued | preparing | sending | submitted | done: how far a running job got
		provider TEXT NOT NULL,
		options TEXT NOT NULL,         -- the core options (JSON)
		request TEXT NOT NULL,         -- the options as the client named them (JSON), for the job's view
		input_path TEXT, input_name TEXT, image_url TEXT,
		input_format TEXT, input_width INTEGER, input_height INTEGER, input_bytes INTEGER,
		webhook_url TEXT,
		execution TEXT, vendor_task_id TEXT,
		credits_consumed REAL, credits_remaining REAL,
		output_path TEXT, output_type TEXT, output_format TEXT, output_width INTEGER, output_height INTEGER, output_bytes INTEGER,
		error_code TEXT, error_message TEXT, nothing_charged INTEGER,
		cancel_note TEXT,
		created_at INTEGER NOT NULL, started_at INTEGER, finished_at INTEGER, result_deleted_at INTEGER
	);
	CREATE INDEX jobs_by_client ON jobs (client_id, created_at DESC, id DESC);
	CREATE INDEX jobs_by_status ON jobs (status);
	CREATE TABLE idempotency (
		client_id TEXT NOT NULL,
		key TEXT NOT NULL,
		request_hash TEXT NOT NULL,
		job_id TEXT NOT NULL,
		created_at INTEGER NOT NULL,
		PRIMARY KEY (client_id, key)
	);
	CREATE TABLE webhooks (
		id TEXT PRIMARY KEY,           -- the webhook-id header: the same on every attempt
		job_id TEXT NOT NULL,
		client_id TEXT NOT NULL,
		url TEXT NOT NULL,
		event TEXT NOT NULL,
		payload TEXT NOT NULL,
		status TEXT NOT NULL,          -- pending | delivered | failed
		attempts INTEGER NOT NULL DEFAULT 0,
		next_at INTEGER,
		created_at INTEGER NOT NULL
	);
	CREATE INDEX webhooks_due ON webhooks (status, next_at);
	CREATE TABLE webhook_attempts (
		webhook_id TEXT NOT NULL,
		n INTEGER NOT NULL,
		at INTEGER NOT NULL,
		status_code INTEGER,
		error TEXT,
		ms INTEGER NOT NULL,
		PRIMARY KEY (webhook_id, n)
	);
	`,
	// The run that holds a running job (a fleet's worker): a write from an older holder is refused.
	`ALTER TABLE jobs ADD COLUMN holder TEXT;`,
	// The client key and the receiver's origin (scheme://host:port): a sender caps its attempts in flight per endpoint.
	`ALTER TABLE webhooks ADD COLUMN endpoint TEXT;`,
	// What a door needs to answer for its job (the bot's interaction), the vendor's result link, and the door's outbox.
	`ALTER TABLE jobs ADD COLUMN door TEXT;
	ALTER TABLE jobs ADD COLUMN result_url TEXT;
	ALTER TABLE jobs ADD COLUMN result_expires_at INTEGER;
	ALTER TABLE jobs ADD COLUMN deliver_after INTEGER;
	CREATE INDEX jobs_deliveries ON jobs (deliver_after) WHERE deliver_after IS NOT NULL;`,
	// The job service's webhook subscriptions (REST hooks): a client key's standing URLs for job.succeeded/job.failed,
	// each with its own signing secret; a message sent for one names it (NULL: the job's own webhook_url).
	`CREATE TABLE webhook_subscriptions (
		id TEXT PRIMARY KEY,
		client_id TEXT NOT NULL,
		url TEXT NOT NULL,
		events TEXT NOT NULL,          -- JSON array of event names
		secret TEXT NOT NULL,          -- whsec_…: the messages are signed with it
		created_at INTEGER NOT NULL,
		UNIQUE (client_id, url)
	);
	ALTER TABLE webhooks ADD COLUMN subscription_id TEXT;`,
];
