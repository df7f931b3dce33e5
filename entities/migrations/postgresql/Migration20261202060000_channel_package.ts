// Package lineage (Trendyol write-back), PostgreSQL: every marketplace package the OMS has seen, its origins, the
// packages that replaced it and what the write-back pushed to it.
import { Migration } from '@mikro-orm/migrations';

export class Migration20261202060000ChannelPackage extends Migration {
  override name = 'Migration20261202060000_channel_package';

  override up(): void {
    this.addSql(
      `create table "channel_package" ("channel" varchar(40) not null, "package_id" varchar(40) not null, "order_number" varchar(200) not null, "origin_package_ids" jsonb not null, "status" varchar(40) not null, "created_by" varchar(40) null, "lines" jsonb not null, "superseded_by" jsonb null, "pushed" jsonb not null, "modified_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("channel", "package_id"))`,
    );
    this.addSql(`create index "channel_package_channel_order_number_index" on "channel_package" ("channel", "order_number")`);
  }

  override down(): void {
    this.addSql(`drop table "channel_package"`);
  }
}
