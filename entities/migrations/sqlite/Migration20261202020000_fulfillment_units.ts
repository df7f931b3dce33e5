// Fulfillment units (issue 6), SQLite: stock locations get a table of their own (kind, priority, city, region, active
// flag) for sourcing; the reservation ledger holds one row per order, unit, SKU and location. Existing rows are unit 1
// of allocation 1, which is what the single-unit workflows keep writing.
import { Migration } from '@mikro-orm/migrations';

export class Migration20261202020000FulfillmentUnits extends Migration {
  override name = 'Migration20261202020000_fulfillment_units';

  override up(): void {
    this.addSql(
      "create table `location` (`id` text not null primary key, `name` text not null, `kind` text check (`kind` in ('warehouse', 'store')) not null, `priority` integer not null, `city` text not null, `region` text null, `active` integer not null default true, `created_at` datetime not null, `updated_at` datetime not null)",
    );
    this.addSql('drop index `reservation_order_id_sku_unique`');
    this.addSql('alter table `reservation` add column `fulfillment` integer not null default 1');
    this.addSql('alter table `reservation` add column `allocation` integer not null default 1');
    this.addSql(
      'create unique index `reservation_order_id_fulfillment_sku_location_unique` on `reservation` (`order_id`, `fulfillment`, `sku`, `location`)',
    );
  }

  /** Fails while an order holds a SKU in two units or at two locations: the old key cannot hold that. */
  override down(): void {
    this.addSql('drop index `reservation_order_id_fulfillment_sku_location_unique`');
    this.addSql('alter table `reservation` drop column `allocation`');
    this.addSql('alter table `reservation` drop column `fulfillment`');
    this.addSql('create unique index `reservation_order_id_sku_unique` on `reservation` (`order_id`, `sku`)');
    this.addSql('drop table `location`');
  }
}
