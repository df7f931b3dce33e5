// The stock feed (issue 7), SQLite: the outbox every stock change writes in its own transaction, what each channel
// account was sent per SKU, and each account's progress through the outbox.
import { Migration } from '@mikro-orm/migrations';

export class Migration20261202030000StockFeed extends Migration {
  override name = 'Migration20261202030000_stock_feed';

  override up(): void {
    this.addSql(
      "create table `channel_stock` (`account` text not null, `sku` text not null, `seen_version` integer not null default 0, `sent_quantity` integer null, `sent_at` datetime null, `batch_id` text null, `confirmed_quantity` integer null, `confirmed_at` datetime null, `state` text check (`state` in ('pending', 'ok', 'failed')) not null default 'ok', `last_error` text null, `retry_at` datetime null, `updated_at` datetime not null, primary key (`account`, `sku`))",
    );
    this.addSql('create index `channel_stock_account_state_index` on `channel_stock` (`account`, `state`)');
    this.addSql(
      'create table `stock_feed_account` (`account` text not null primary key, `channel` text not null, `watermark` datetime null, `last_run_at` datetime null, `last_success_at` datetime null, `last_error` text null, `last_error_at` datetime null, `last_resync_at` datetime null, `resync_requested_at` datetime null)',
    );
    this.addSql('create table `stock_outbox` (`sku` text not null primary key, `version` integer not null default 1, `changed_at` datetime not null)');
    this.addSql('create index `stock_outbox_changed_at_index` on `stock_outbox` (`changed_at`)');
    // Every SKU stocked so far counts as changed: the first feed run sends them all.
    this.addSql("insert into `stock_outbox` (`sku`, `version`, `changed_at`) select distinct `sku`, 1, strftime('%s','now') * 1000 from `stock`");
  }

  override down(): void {
    this.addSql('drop table `stock_outbox`');
    this.addSql('drop table `stock_feed_account`');
    this.addSql('drop table `channel_stock`');
  }
}
