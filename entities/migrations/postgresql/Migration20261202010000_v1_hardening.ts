// Version-1 hardening (issue 5), PostgreSQL: money columns hold MAX_MONEY (numeric(14,2)); tracking numbers are
// unique per carrier; the callback log is keyed per sender, records deliveries in flight (matched null) and early
// payments claimed by their order; stock movements can say what a ledger repair changed.
import { Migration } from '@mikro-orm/migrations';

export class Migration20261202010000V1Hardening extends Migration {
  override name = 'Migration20261202010000_v1_hardening';

  override up(): void {
    this.addSql(`alter table "product" alter column "price" type numeric(14,2) using ("price"::numeric(14,2))`);
    this.addSql(
      `alter table "order_line" alter column "unit_price" type numeric(14,2) using ("unit_price"::numeric(14,2))`,
    );
    this.addSql(`alter table "shipment" drop constraint "shipment_tracking_number_unique"`);
    this.addSql(
      `alter table "shipment" add constraint "shipment_carrier_tracking_number_unique" unique ("carrier", "tracking_number")`,
    );
    this.addSql(`alter table "callback_log" add "claimed_at" timestamptz null`);
    this.addSql(`alter table "callback_log" alter column "matched" drop not null`);
    // senders were 'payment', 'carrier' and 'warehouse'; a carrier's name is known for the events that found their order
    this.addSql(`update "callback_log" set "source" = 'payments' where "source" = 'payment'`);
    this.addSql(
      `update "callback_log" set "source" = 'carrier:' || (select s."carrier" from "shipment" s where s."order_id" = "callback_log"."order_id" order by s."id" limit 1) ` +
        `where "source" = 'carrier' and exists (select 1 from "shipment" s where s."order_id" = "callback_log"."order_id")`,
    );
    this.addSql(`alter table "stock_movement" add "detail" text null`);
  }

  override down(): void {
    this.addSql(`alter table "stock_movement" drop column "detail"`);
    this.addSql(`update "callback_log" set "source" = 'carrier' where "source" like 'carrier:%'`);
    this.addSql(`update "callback_log" set "source" = 'payment' where "source" = 'payments'`);
    this.addSql(`update "callback_log" set "matched" = false where "matched" is null`);
    this.addSql(`alter table "callback_log" alter column "matched" set not null`);
    this.addSql(`alter table "callback_log" drop column "claimed_at"`);
    this.addSql(`alter table "shipment" drop constraint "shipment_carrier_tracking_number_unique"`);
    this.addSql(`alter table "shipment" add constraint "shipment_tracking_number_unique" unique ("tracking_number")`);
    this.addSql(`alter table "order_line" alter column "unit_price" type numeric(12,2) using ("unit_price"::numeric(12,2))`);
    this.addSql(`alter table "product" alter column "price" type numeric(12,2) using ("price"::numeric(12,2))`);
  }
}
