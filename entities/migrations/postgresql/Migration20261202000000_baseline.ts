// Baseline (PostgreSQL): the schema version 1 created with `schema.update({ safe: true })` at every start, as of
// commit b5bcba4. A database created that way has these tables and no migrations table: entities/migrate.ts detects
// it and records this migration as applied without running it.
import { Migration } from '@mikro-orm/migrations';

export class Migration20261202000000Baseline extends Migration {
  override name = 'Migration20261202000000_baseline';

  override up(): void {
    this.addSql(`create table "callback_log" ("id" serial primary key, "source" varchar(40) not null, "event_id" varchar(200) not null, "order_id" varchar(200) null, "matched" boolean not null, "payload" jsonb not null, "received_at" timestamptz not null)`);
    this.addSql(`create index "callback_log_order_id_index" on "callback_log" ("order_id")`);
    this.addSql(`alter table "callback_log" add constraint "callback_log_source_event_id_unique" unique ("source", "event_id")`);
    this.addSql(`create table "order_line" ("id" serial primary key, "order_id" varchar(200) not null, "line_no" int not null, "sku" varchar(100) not null, "quantity" int not null, "unit_price" numeric(12,2) not null, "line_total" numeric(14,2) not null, "returned_quantity" int not null default 0, "refunded_quantity" int not null default 0)`);
    this.addSql(`create index "order_line_sku_index" on "order_line" ("sku")`);
    this.addSql(`alter table "order_line" add constraint "order_line_order_id_line_no_unique" unique ("order_id", "line_no")`);
    this.addSql(`create table "orders" ("id" varchar(200) not null, "channel" varchar(100) not null, "external_order_id" varchar(200) not null, "status" varchar(40) not null, "payment_status" varchar(40) not null, "payment_method" varchar(40) not null, "needs_attention" boolean not null default false, "cancel_reason" varchar(200) null, "currency" varchar(3) not null, "subtotal" numeric(14,2) not null, "total" numeric(14,2) not null, "refunded" numeric(14,2) not null, "version" int not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "view" jsonb not null, primary key ("id"))`);
    this.addSql(`create index "orders_created_at_id_index" on "orders" ("created_at", "id")`);
    this.addSql(`create index "orders_status_created_at_id_index" on "orders" ("status", "created_at", "id")`);
    this.addSql(`create index "orders_channel_created_at_id_index" on "orders" ("channel", "created_at", "id")`);
    this.addSql(`create index "orders_needs_attention_created_at_id_index" on "orders" ("needs_attention", "created_at", "id")`);
    this.addSql(`alter table "orders" add constraint "orders_channel_external_order_id_unique" unique ("channel", "external_order_id")`);
    this.addSql(`create table "product" ("sku" varchar(100) not null, "name" varchar(300) not null, "price" numeric(12,2) not null, "active" boolean not null default true, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("sku"))`);
    this.addSql(`create table "reservation" ("id" serial primary key, "order_id" varchar(200) not null, "sku" varchar(100) not null, "location" varchar(100) not null default 'main', "quantity" int not null, "state" text not null default 'reserved', "created_at" timestamptz not null, "updated_at" timestamptz not null)`);
    this.addSql(`create index "reservation_sku_state_index" on "reservation" ("sku", "state")`);
    this.addSql(`alter table "reservation" add constraint "reservation_order_id_sku_unique" unique ("order_id", "sku")`);
    this.addSql(`alter table "reservation" add constraint "reservation_state_check" check ("state" in ('reserved', 'released', 'committed'))`);
    this.addSql(`create table "order_return" ("id" serial primary key, "order_id" varchar(200) not null, "return_id" varchar(200) not null, "reason" varchar(400) not null, "source" varchar(40) not null, "return_code" varchar(200) null, "requested_at" timestamptz not null, "received_at" timestamptz null, "refund_amount" numeric(14,2) null, "lines" jsonb not null, "refund" jsonb null)`);
    this.addSql(`alter table "order_return" add constraint "order_return_order_id_return_id_unique" unique ("order_id", "return_id")`);
    this.addSql(`create table "shipment" ("id" serial primary key, "order_id" varchar(200) not null, "shipment_id" varchar(200) not null, "carrier" varchar(40) not null, "tracking_number" varchar(200) not null, "label_ref" varchar(400) not null, "last_status" varchar(40) null)`);
    this.addSql(`alter table "shipment" add constraint "shipment_tracking_number_unique" unique ("tracking_number")`);
    this.addSql(`alter table "shipment" add constraint "shipment_order_id_shipment_id_unique" unique ("order_id", "shipment_id")`);
    this.addSql(`create table "stock" ("sku" varchar(100) not null, "location" varchar(100) not null default 'main', "on_hand" int not null default 0, "reserved" int not null default 0, "version" int not null default 1, "updated_at" timestamptz not null, primary key ("sku", "location"))`);
    this.addSql(`create table "stock_movement" ("id" serial primary key, "key" varchar(400) not null, "sku" varchar(100) not null, "location" varchar(100) not null default 'main', "delta" int not null, "reason" varchar(200) not null, "actor" varchar(200) not null, "order_id" varchar(200) null, "created_at" timestamptz not null)`);
    this.addSql(`alter table "stock_movement" add constraint "stock_movement_key_unique" unique ("key")`);
    this.addSql(`create index "stock_movement_sku_created_at_index" on "stock_movement" ("sku", "created_at")`);
    this.addSql(`create table "order_timeline" ("id" serial primary key, "order_id" varchar(200) not null, "seq" int not null, "at" timestamptz not null, "type" varchar(100) not null, "status" varchar(40) null, "detail" text null, "actor" varchar(200) null)`);
    this.addSql(`alter table "order_timeline" add constraint "order_timeline_order_id_seq_unique" unique ("order_id", "seq")`);
  }
}
