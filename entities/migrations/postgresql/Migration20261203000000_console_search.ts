// Operator console (issue 8), PostgreSQL: the attention queue's step and since, the customer's e-mail for search, and
// the locations an order ships from, as columns and rows the list filters on; existing orders are filled in from
// their stored view, so the queue and the search see them without waiting for their next change.
import { Migration } from '@mikro-orm/migrations';

export class Migration20261203000000ConsoleSearch extends Migration {
  override name = 'Migration20261203000000_console_search';

  override up(): void {
    this.addSql(`create table "order_location" ("id" serial primary key, "order_id" varchar(200) not null, "location" varchar(100) not null)`);
    this.addSql(`create index "order_location_location_index" on "order_location" ("location")`);
    this.addSql(`alter table "order_location" add constraint "order_location_order_id_location_unique" unique ("order_id", "location")`);
    this.addSql(`alter table "orders" add "attention_step" varchar(100) null, add "attention_since" timestamptz null, add "customer_email" varchar(320) null`);
    this.addSql(`create index "orders_attention_since_id_index" on "orders" ("attention_since", "id")`);
    this.addSql(`create index "orders_customer_email_index" on "orders" ("customer_email")`);
    this.addSql(`create index "orders_external_order_id_index" on "orders" ("external_order_id")`);
    this.addSql(
      `update "orders" set "attention_step" = "view"->'attention'->>'step', ` +
        `"attention_since" = ("view"->'attention'->>'since')::timestamptz, ` +
        `"customer_email" = lower("view"->'customer'->>'email') ` +
        `where "view"->'attention' is not null or "view"->'customer'->>'email' is not null`,
    );
    this.addSql(
      `insert into "order_location" ("order_id", "location") ` +
        `select distinct o."id", f->>'location' from "orders" o, jsonb_array_elements(coalesce(o."view"->'fulfillments', '[]'::jsonb)) f ` +
        `where f->>'location' is not null on conflict do nothing`,
    );
  }

  override down(): void {
    this.addSql(`drop table "order_location"`);
    this.addSql(`drop index "orders_attention_since_id_index"`);
    this.addSql(`drop index "orders_customer_email_index"`);
    this.addSql(`drop index "orders_external_order_id_index"`);
    this.addSql(`alter table "orders" drop column "attention_step", drop column "attention_since", drop column "customer_email"`);
  }
}
