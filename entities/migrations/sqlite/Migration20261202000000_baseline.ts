// Baseline (SQLite): the schema version 1 created with `schema.update({ safe: true })` at every start, as of
// commit b5bcba4. A database created that way has these tables and no migrations table: entities/migrate.ts detects
// it and records this migration as applied without running it.
import { Migration } from '@mikro-orm/migrations';

export class Migration20261202000000Baseline extends Migration {
  override name = 'Migration20261202000000_baseline';

  override up(): void {
    this.addSql("create table `callback_log` (`id` integer not null primary key autoincrement, `source` text not null, `event_id` text not null, `order_id` text null, `matched` integer not null, `payload` json not null, `received_at` datetime not null)");
    this.addSql("create index `callback_log_order_id_index` on `callback_log` (`order_id`)");
    this.addSql("create unique index `callback_log_source_event_id_unique` on `callback_log` (`source`, `event_id`)");
    this.addSql("create table `order_line` (`id` integer not null primary key autoincrement, `order_id` text not null, `line_no` integer not null, `sku` text not null, `quantity` integer not null, `unit_price` numeric(12,2) not null, `line_total` numeric(14,2) not null, `returned_quantity` integer not null default 0, `refunded_quantity` integer not null default 0)");
    this.addSql("create index `order_line_sku_index` on `order_line` (`sku`)");
    this.addSql("create unique index `order_line_order_id_line_no_unique` on `order_line` (`order_id`, `line_no`)");
    this.addSql("create table `orders` (`id` text not null primary key, `channel` text not null, `external_order_id` text not null, `status` text not null, `payment_status` text not null, `payment_method` text not null, `needs_attention` integer not null default false, `cancel_reason` text null, `currency` text not null, `subtotal` numeric(14,2) not null, `total` numeric(14,2) not null, `refunded` numeric(14,2) not null, `version` integer not null, `created_at` datetime not null, `updated_at` datetime not null, `view` json not null)");
    this.addSql("create index `orders_created_at_id_index` on `orders` (`created_at`, `id`)");
    this.addSql("create index `orders_status_created_at_id_index` on `orders` (`status`, `created_at`, `id`)");
    this.addSql("create index `orders_channel_created_at_id_index` on `orders` (`channel`, `created_at`, `id`)");
    this.addSql("create index `orders_needs_attention_created_at_id_index` on `orders` (`needs_attention`, `created_at`, `id`)");
    this.addSql("create unique index `orders_channel_external_order_id_unique` on `orders` (`channel`, `external_order_id`)");
    this.addSql("create table `product` (`sku` text not null primary key, `name` text not null, `price` numeric(12,2) not null, `active` integer not null default true, `created_at` datetime not null, `updated_at` datetime not null)");
    this.addSql("create table `reservation` (`id` integer not null primary key autoincrement, `order_id` text not null, `sku` text not null, `location` text not null default 'main', `quantity` integer not null, `state` text check (`state` in ('reserved', 'released', 'committed')) not null default 'reserved', `created_at` datetime not null, `updated_at` datetime not null)");
    this.addSql("create index `reservation_sku_state_index` on `reservation` (`sku`, `state`)");
    this.addSql("create unique index `reservation_order_id_sku_unique` on `reservation` (`order_id`, `sku`)");
    this.addSql("create table `order_return` (`id` integer not null primary key autoincrement, `order_id` text not null, `return_id` text not null, `reason` text not null, `source` text not null, `return_code` text null, `requested_at` datetime not null, `received_at` datetime null, `refund_amount` numeric(14,2) null, `lines` json not null, `refund` json null)");
    this.addSql("create unique index `order_return_order_id_return_id_unique` on `order_return` (`order_id`, `return_id`)");
    this.addSql("create table `shipment` (`id` integer not null primary key autoincrement, `order_id` text not null, `shipment_id` text not null, `carrier` text not null, `tracking_number` text not null, `label_ref` text not null, `last_status` text null)");
    this.addSql("create unique index `shipment_tracking_number_unique` on `shipment` (`tracking_number`)");
    this.addSql("create unique index `shipment_order_id_shipment_id_unique` on `shipment` (`order_id`, `shipment_id`)");
    this.addSql("create table `stock` (`sku` text not null, `location` text not null default 'main', `on_hand` integer not null default 0, `reserved` integer not null default 0, `version` integer not null default 1, `updated_at` datetime not null, primary key (`sku`, `location`))");
    this.addSql("create table `stock_movement` (`id` integer not null primary key autoincrement, `key` text not null, `sku` text not null, `location` text not null default 'main', `delta` integer not null, `reason` text not null, `actor` text not null, `order_id` text null, `created_at` datetime not null)");
    this.addSql("create unique index `stock_movement_key_unique` on `stock_movement` (`key`)");
    this.addSql("create index `stock_movement_sku_created_at_index` on `stock_movement` (`sku`, `created_at`)");
    this.addSql("create table `order_timeline` (`id` integer not null primary key autoincrement, `order_id` text not null, `seq` integer not null, `at` datetime not null, `type` text not null, `status` text null, `detail` text null, `actor` text null)");
    this.addSql("create unique index `order_timeline_order_id_seq_unique` on `order_timeline` (`order_id`, `seq`)");
  }
}
