DROP INDEX "images_duplicate";--> statement-breakpoint
CREATE INDEX "images_duplicate" ON "images" USING btree ("upload_md5","user_id");