// The stock feed (issue 7), PostgreSQL: the outbox every stock change writes in its own transaction, what each
// channel account was sent per SKU, and each account's progress through the outbox.
import { Migration } from '@mikro-orm/migrations';

export class Migration20261202030000StockFeed extends Migration {
  override name = 'Migration20261202030000_stock_feed';

  override up(): void {
    this.addSql(
      `create table "channel_stock" ("account" varchar(100) not null, "sku" varchar(100) not null, "seen_version" int not null default 0, "sent_quantity" int null, "sent_at" timestamptz null, "batch_id" varchar(200) null, "confirmed_quantity" int null, "confirmed_at" timestamptz null, "state" text not null default 'ok', "last_error" text null, "retry_at" timestamptz null, "updated_at" timestamptz not null, primary key ("account", "sku"))`,
    );
    this.addSql(`create index "channel_stock_account_state_index" on "channel_stock" ("account", "state")`);
    this.addSql(`alter table "channel_stock" add constraint "channel_stock_state_check" check ("state" in ('pending', 'ok', 'failed'))`);
    this.addSql(
      `create table "stock_feed_account" ("account" varchar(100) not null, "channel" varchar(100) not null, "watermark" timestamptz null, "last_run_at" timestamptz null, "last_success_at" timestamptz null, "last_error" text null, "last_error_at" timestamptz null, "last_resync_at" timestamptz null, "resync_requested_at" timestamptz null, primary key ("account"))`,
    );
    this.addSql(`create table "stock_outbox" ("sku" varchar(100) not null, "version" int not null default 1, "changed_at" timestamptz not null, primary key ("sku"))`);
    this.addSql(`create index "stock_outbox_changed_at_index" on "stock_outbox" ("changed_at")`);
    // Every SKU stocked so far counts as changed: the first feed run sends them all.
    this.addSql(`insert into "stock_outbox" ("sku", "version", "changed_at") select distinct "sku", 1, now() from "stock"`);
  }

  override down(): void {
    this.addSql(`drop table "stock_outbox"`);
    this.addSql(`drop table "stock_feed_account"`);
    this.addSql(`drop table "channel_stock"`);
  }
}
