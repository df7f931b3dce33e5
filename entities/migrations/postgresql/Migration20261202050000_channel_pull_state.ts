// Marketplace order pulls (Hepsiburada, n11 and Trendyol), PostgreSQL: each pull's last success, watermark and last
// error.
import { Migration } from '@mikro-orm/migrations';

export class Migration20261202050000ChannelPullState extends Migration {
  override name = 'Migration20261202050000_channel_pull_state';

  override up(): void {
    this.addSql(
      `create table "channel_pull_state" ("channel" varchar(100) not null, "last_success_at" timestamptz null, "watermark" timestamptz null, "last_error" text null, "last_error_at" timestamptz null, primary key ("channel"))`,
    );
  }

  override down(): void {
    this.addSql(`drop table "channel_pull_state"`);
  }
}
