CREATE TABLE `chevereto_imports` (
	`kind` text NOT NULL,
	`source_id` integer NOT NULL,
	`target_id` integer NOT NULL,
	`secret` text,
	`legacy_path` text,
	PRIMARY KEY(`kind`, `source_id`)
);
--> statement-breakpoint
CREATE INDEX `chevereto_imports_legacy_path` ON `chevereto_imports` (`legacy_path`);