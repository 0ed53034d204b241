CREATE TABLE `baseline_files` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`set_id` integer NOT NULL,
	`name` text NOT NULL,
	`image_id` integer,
	`md5` text NOT NULL,
	`width` integer NOT NULL,
	`height` integer NOT NULL,
	FOREIGN KEY (`set_id`) REFERENCES `baseline_sets`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`image_id`) REFERENCES `images`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `baseline_files_name` ON `baseline_files` (`set_id`,`name`);--> statement-breakpoint
CREATE INDEX `baseline_files_image` ON `baseline_files` (`image_id`);--> statement-breakpoint
CREATE TABLE `baseline_sets` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`project` text NOT NULL,
	`branch` text NOT NULL,
	`commit` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `baseline_sets_branch` ON `baseline_sets` (`user_id`,`project`,`branch`,`id`);--> statement-breakpoint
CREATE TABLE `comparison_files` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`comparison_id` integer NOT NULL,
	`name` text NOT NULL,
	`status` text NOT NULL,
	`before_image_id` integer,
	`after_image_id` integer,
	`diff_image_id` integer,
	`size_changed` integer DEFAULT false NOT NULL,
	`changed_pixels` integer DEFAULT 0 NOT NULL,
	`total_pixels` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`comparison_id`) REFERENCES `comparisons`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`before_image_id`) REFERENCES `images`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`after_image_id`) REFERENCES `images`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`diff_image_id`) REFERENCES `images`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `comparison_files_comparison` ON `comparison_files` (`comparison_id`);--> statement-breakpoint
CREATE INDEX `comparison_files_before` ON `comparison_files` (`before_image_id`);--> statement-breakpoint
CREATE INDEX `comparison_files_after` ON `comparison_files` (`after_image_id`);--> statement-breakpoint
CREATE INDEX `comparison_files_diff` ON `comparison_files` (`diff_image_id`);--> statement-breakpoint
CREATE TABLE `comparisons` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`project` text NOT NULL,
	`scope` text NOT NULL,
	`base_branch` text NOT NULL,
	`head_branch` text,
	`commit` text,
	`pull_request` integer,
	`baseline_set_id` integer,
	`baseline_commit` text,
	`baseline_created_at` integer,
	`threshold` real NOT NULL,
	`changed` integer NOT NULL,
	`added` integer NOT NULL,
	`removed` integer NOT NULL,
	`unchanged` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`baseline_set_id`) REFERENCES `baseline_sets`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `comparisons_scope` ON `comparisons` (`user_id`,`project`,`scope`,`id`);