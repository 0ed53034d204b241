CREATE TABLE `counters` (
	`key` text PRIMARY KEY NOT NULL,
	`count` integer NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `counters_expires` ON `counters` (`expires_at`);--> statement-breakpoint
CREATE TABLE `file_deletions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name_key` text NOT NULL,
	`keys` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`not_before` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `file_deletions_name` ON `file_deletions` (`name_key`);--> statement-breakpoint
CREATE INDEX `file_deletions_due` ON `file_deletions` (`not_before`);--> statement-breakpoint
CREATE TABLE `instances` (
	`id` text PRIMARY KEY NOT NULL,
	`host` text NOT NULL,
	`pid` integer NOT NULL,
	`started_at` integer NOT NULL,
	`heartbeat_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `leases` (
	`name` text PRIMARY KEY NOT NULL,
	`holder` text NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `images` ADD `status` text DEFAULT 'live' NOT NULL;--> statement-breakpoint
ALTER TABLE `images` ADD `upload_instance` text;--> statement-breakpoint
ALTER TABLE `images` ADD `flight_key` text;--> statement-breakpoint
CREATE UNIQUE INDEX `images_flight` ON `images` (`flight_key`);--> statement-breakpoint
CREATE INDEX `images_pending` ON `images` (`status`,`upload_instance`);