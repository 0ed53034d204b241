ALTER TABLE `image_tombstones` ADD `date_path` text;--> statement-breakpoint
ALTER TABLE `image_tombstones` ADD `name` text;--> statement-breakpoint
CREATE INDEX `image_tombstones_name` ON `image_tombstones` (`date_path`,`name`);