ALTER TABLE "image_tombstones" ADD COLUMN "date_path" text;--> statement-breakpoint
ALTER TABLE "image_tombstones" ADD COLUMN "name" text;--> statement-breakpoint
CREATE INDEX "image_tombstones_name" ON "image_tombstones" USING btree ("date_path","name");