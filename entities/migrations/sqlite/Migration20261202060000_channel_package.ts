// Package lineage (Trendyol write-back), SQLite: every marketplace package the OMS has seen, its origins, the
// packages that replaced it and what the write-back pushed to it.
import { Migration } from '@mikro-orm/migrations';

export class Migration20261202060000ChannelPackage extends Migration {
  override name = 'Migration20261202060000_channel_package';

  override up(): void {
    this.addSql(
      'create table `channel_package` (`channel` text not null, `package_id` text not null, `order_number` text not null, `origin_package_ids` json not null, `status` text not null, `created_by` text null, `lines` json not null, `superseded_by` json null, `pushed` json not null, `modified_at` datetime null, `created_at` datetime not null, `updated_at` datetime not null, primary key (`channel`, `package_id`))',
    );
    this.addSql('create index `channel_package_channel_order_number_index` on `channel_package` (`channel`, `order_number`)');
  }

  override down(): void {
    this.addSql('drop table `channel_package`');
  }
}
