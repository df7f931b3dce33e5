// Carrier tracking (issue 7), SQLite: the shipments made through a carrier's own protocol, with what the carrier
// last said of each, and per carrier the state of its tracking sweep.
import { Migration } from '@mikro-orm/migrations';

export class Migration20261202040000CarrierTracking extends Migration {
  override name = 'Migration20261202040000_carrier_tracking';

  override up(): void {
    this.addSql(
      "create table `carrier_shipment` (`carrier` text not null, `reference` text not null, `tracking_number` text not null, `order_id` text not null, `created_with` text not null, `label_ref` text null, `state` text check (`state` in ('open', 'closed', 'canceled')) not null default 'open', `status` text not null default 'label_created', `raw_code` text null, `raw_text` text null, `status_at` datetime null, `last_event_id` text null, `needs_review` integer not null default false, `last_polled_at` datetime null, `created_at` datetime not null, `updated_at` datetime not null, primary key (`carrier`, `reference`))",
    );
    this.addSql('create index `carrier_shipment_carrier_state_last_polled_at_index` on `carrier_shipment` (`carrier`, `state`, `last_polled_at`)');
    this.addSql('create index `carrier_shipment_order_id_index` on `carrier_shipment` (`order_id`)');
    this.addSql('create unique index `carrier_shipment_carrier_tracking_number_unique` on `carrier_shipment` (`carrier`, `tracking_number`)');
    this.addSql(
      'create table `carrier_tracking_state` (`carrier` text not null primary key, `last_run_at` datetime null, `last_success_at` datetime null, `last_error` text null, `last_error_at` datetime null, `last_queried` integer not null default 0, `last_signalled` integer not null default 0)',
    );
  }

  override down(): void {
    this.addSql('drop table `carrier_tracking_state`');
    this.addSql('drop table `carrier_shipment`');
  }
}
