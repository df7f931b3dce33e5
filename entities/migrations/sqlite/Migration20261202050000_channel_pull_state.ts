// Marketplace order pulls (Hepsiburada, n11 and Trendyol), SQLite: each pull's last success, watermark and last error.
import { Migration } from '@mikro-orm/migrations';

export class Migration20261202050000ChannelPullState extends Migration {
  override name = 'Migration20261202050000_channel_pull_state';

  override up(): void {
    this.addSql(
      'create table `channel_pull_state` (`channel` text not null primary key, `last_success_at` datetime null, `watermark` datetime null, `last_error` text null, `last_error_at` datetime null)',
    );
  }

  override down(): void {
    this.addSql('drop table `channel_pull_state`');
  }
}
