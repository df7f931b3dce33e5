// Version-1 hardening (issue 5), SQLite: tracking numbers are unique per carrier; the callback log is keyed per
// sender, records deliveries in flight (matched null) and early payments claimed by their order; stock movements
// can say what a ledger repair changed. SQLite does not enforce numeric precision (its money columns keep their
// declared type; the values are exact up to MAX_MONEY as SQLite stores them), so nothing changes there.
import { Migration } from '@mikro-orm/migrations';

export class Migration20261202010000V1Hardening extends Migration {
  override name = 'Migration20261202010000_v1_hardening';

  override up(): void {
    // SQLite cannot drop NOT NULL in place: the table is rebuilt (inside the migration's transaction)
    this.addSql(
      'create table `callback_log__temp_alter` (`id` integer not null primary key autoincrement, `source` text not null, `event_id` text not null, `order_id` text null, `matched` integer null, `payload` json not null, `received_at` datetime not null, `claimed_at` datetime null)',
    );
    this.addSql(
      'insert into `callback_log__temp_alter` select `id`, `source`, `event_id`, `order_id`, `matched`, `payload`, `received_at`, null as `claimed_at` from `callback_log`',
    );
    this.addSql('drop table `callback_log`');
    this.addSql('alter table `callback_log__temp_alter` rename to `callback_log`');
    this.addSql('create index `callback_log_order_id_index` on `callback_log` (`order_id`)');
    this.addSql('create unique index `callback_log_source_event_id_unique` on `callback_log` (`source`, `event_id`)');
    // senders were 'payment', 'carrier' and 'warehouse'; a carrier's name is known for the events that found their order
    this.addSql("update `callback_log` set `source` = 'payments' where `source` = 'payment'");
    this.addSql(
      "update `callback_log` set `source` = 'carrier:' || (select s.`carrier` from `shipment` s where s.`order_id` = `callback_log`.`order_id` order by s.`id` limit 1) " +
        "where `source` = 'carrier' and exists (select 1 from `shipment` s where s.`order_id` = `callback_log`.`order_id`)",
    );
    this.addSql('drop index `shipment_tracking_number_unique`');
    this.addSql(
      'create unique index `shipment_carrier_tracking_number_unique` on `shipment` (`carrier`, `tracking_number`)',
    );
    this.addSql('alter table `stock_movement` add column `detail` text null');
  }
}
