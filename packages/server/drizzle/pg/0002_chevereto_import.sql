CREATE TABLE "chevereto_imports" (
	"kind" text NOT NULL,
	"source_id" integer NOT NULL,
	"target_id" integer NOT NULL,
	"secret" text,
	"legacy_path" text,
	CONSTRAINT "chevereto_imports_kind_source_id_pk" PRIMARY KEY("kind","source_id")
);
--> statement-breakpoint
CREATE INDEX "chevereto_imports_legacy_path" ON "chevereto_imports" USING btree ("legacy_path");