// Fulfillment units (issue 6), PostgreSQL: stock locations get a table of their own (kind, priority, city, region,
// active flag) for sourcing; the reservation ledger holds one row per order, unit, SKU and location. Existing rows are
// unit 1 of allocation 1, which is what the single-unit workflows keep writing.
import { Migration } from '@mikro-orm/migrations';

export class Migration20261202020000FulfillmentUnits extends Migration {
  override name = 'Migration20261202020000_fulfillment_units';

  override up(): void {
    this.addSql(
      `create table "location" ("id" varchar(100) not null, "name" varchar(300) not null, "kind" text not null, "priority" int not null, "city" varchar(200) not null, "region" varchar(200) null, "active" boolean not null default true, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"))`,
    );
    this.addSql(`alter table "location" add constraint "location_kind_check" check ("kind" in ('warehouse', 'store'))`);
    this.addSql(`alter table "reservation" drop constraint "reservation_order_id_sku_unique"`);
    this.addSql(`alter table "reservation" add "fulfillment" int not null default 1, add "allocation" int not null default 1`);
    this.addSql(
      `alter table "reservation" add constraint "reservation_order_id_fulfillment_sku_location_unique" unique ("order_id", "fulfillment", "sku", "location")`,
    );
  }

  /** Fails while an order holds a SKU in two units or at two locations: the old key cannot hold that. */
  override down(): void {
    this.addSql(`alter table "reservation" drop constraint "reservation_order_id_fulfillment_sku_location_unique"`);
    this.addSql(`alter table "reservation" drop column "fulfillment", drop column "allocation"`);
    this.addSql(`alter table "reservation" add constraint "reservation_order_id_sku_unique" unique ("order_id", "sku")`);
    this.addSql(`drop table "location"`);
  }
}
