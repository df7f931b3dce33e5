// Carrier tracking (issue 7), PostgreSQL: the shipments made through a carrier's own protocol, with what the carrier
// last said of each, and per carrier the state of its tracking sweep.
import { Migration } from '@mikro-orm/migrations';

export class Migration20261202040000CarrierTracking extends Migration {
  override name = 'Migration20261202040000_carrier_tracking';

  override up(): void {
    this.addSql(
      `create table "carrier_shipment" ("carrier" varchar(20) not null, "reference" varchar(64) not null, "tracking_number" varchar(100) not null, "order_id" varchar(100) not null, "created_with" varchar(300) not null, "label_ref" varchar(300) null, "state" text not null default 'open', "status" varchar(30) not null default 'label_created', "raw_code" varchar(100) null, "raw_text" text null, "status_at" timestamptz null, "last_event_id" varchar(300) null, "needs_review" boolean not null default false, "last_polled_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("carrier", "reference"))`,
    );
    this.addSql(`create index "carrier_shipment_carrier_state_last_polled_at_index" on "carrier_shipment" ("carrier", "state", "last_polled_at")`);
    this.addSql(`create index "carrier_shipment_order_id_index" on "carrier_shipment" ("order_id")`);
    this.addSql(`alter table "carrier_shipment" add constraint "carrier_shipment_carrier_tracking_number_unique" unique ("carrier", "tracking_number")`);
    this.addSql(`alter table "carrier_shipment" add constraint "carrier_shipment_state_check" check ("state" in ('open', 'closed', 'canceled'))`);
    this.addSql(
      `create table "carrier_tracking_state" ("carrier" varchar(20) not null, "last_run_at" timestamptz null, "last_success_at" timestamptz null, "last_error" text null, "last_error_at" timestamptz null, "last_queried" int not null default 0, "last_signalled" int not null default 0, primary key ("carrier"))`,
    );
  }

  override down(): void {
    this.addSql(`drop table "carrier_tracking_state"`);
    this.addSql(`drop table "carrier_shipment"`);
  }
}
