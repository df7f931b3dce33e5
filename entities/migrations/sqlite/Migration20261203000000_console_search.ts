// Operator console (issue 8), SQLite: the attention queue's step and since, the customer's e-mail for search, and the
// locations an order ships from, as columns and rows the list filters on; existing orders are filled in from their
// stored view, so the queue and the search see them without waiting for their next change.
import { Migration } from '@mikro-orm/migrations';

export class Migration20261203000000ConsoleSearch extends Migration {
  override name = 'Migration20261203000000_console_search';

  override up(): void {
    this.addSql('create table `order_location` (`id` integer not null primary key autoincrement, `order_id` text not null, `location` text not null)');
    this.addSql('create index `order_location_location_index` on `order_location` (`location`)');
    this.addSql('create unique index `order_location_order_id_location_unique` on `order_location` (`order_id`, `location`)');
    this.addSql('alter table `orders` add column `attention_step` text null');
    this.addSql('alter table `orders` add column `attention_since` datetime null');
    this.addSql('alter table `orders` add column `customer_email` text null');
    this.addSql('create index `orders_attention_since_id_index` on `orders` (`attention_since`, `id`)');
    this.addSql('create index `orders_customer_email_index` on `orders` (`customer_email`)');
    this.addSql('create index `orders_external_order_id_index` on `orders` (`external_order_id`)');
    // Datetimes are stored as epoch milliseconds on SQLite (as MikroORM writes them).
    this.addSql(
      "update `orders` set `attention_step` = json_extract(`view`, '$.attention.step'), " +
        "`attention_since` = cast(round((julianday(json_extract(`view`, '$.attention.since')) - 2440587.5) * 86400000) as integer), " +
        "`customer_email` = lower(json_extract(`view`, '$.customer.email')) " +
        "where json_extract(`view`, '$.attention.step') is not null or json_extract(`view`, '$.customer.email') is not null",
    );
    this.addSql(
      'insert or ignore into `order_location` (`order_id`, `location`) ' +
        "select distinct o.`id`, json_extract(f.`value`, '$.location') from `orders` o, json_each(o.`view`, '$.fulfillments') f " +
        "where json_extract(f.`value`, '$.location') is not null",
    );
  }

  override down(): void {
    this.addSql('drop table `order_location`');
    this.addSql('drop index `orders_attention_since_id_index`');
    this.addSql('drop index `orders_customer_email_index`');
    this.addSql('drop index `orders_external_order_id_index`');
    this.addSql('alter table `orders` drop column `attention_step`');
    this.addSql('alter table `orders` drop column `attention_since`');
    this.addSql('alter table `orders` drop column `customer_email`');
  }
}
