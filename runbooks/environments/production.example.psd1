# An example production environment. Copy it to production.psd1 and adjust.
#
# This file is data, not a script: it is parsed without running anything, so only constants are
# allowed (strings, numbers, @{ } and @( )). Secrets are never written here: give a reference such as
# 'env:NAME' and set that variable for the account that runs the scheduled task. Any other value may
# be a reference too. Relative paths are relative to this file. Every key below is one the module
# reads: any other (a misspelling such as RetentionDialy) stops the file from loading, naming the
# nearest known key. Keys are the environment's own and the backup area's; other areas each add a
# section of their own, under the area's name.
@{
    Name            = 'production'

    # Database servers by a name of your choosing; databases below refer to them by that name.
    DatabaseServers = @{
        primary = @{
            Host     = 'db1.internal.example'
            Port     = 5432
            User     = 'backup'
            Password = 'env:OPSRUNBOOKS_PRODUCTION_PGPASSWORD'
        }
        # A server of its own for restore tests and drills, so they never load the primary.
        restoretest = @{
            Host     = 'restore-test.internal.example'
            User     = 'restoretest'
            Password = 'env:OPSRUNBOOKS_RESTORETEST_PGPASSWORD'
        }
    }

    # Every database the nightly backup runbook backs up.
    Databases       = @(
        @{ Name = 'app'; Server = 'primary' }
        @{ Name = 'billing'; Server = 'primary' }
    )

    # Where backups are written: an S3 bucket (AWS or S3-compatible) ...
    Store           = @{
        S3Bucket     = 'acme-db-backups'
        Prefix       = 'production'
        Region       = 'eu-west-1'
        StorageClass = 'STANDARD_IA'
        # Leave AccessKey and SecretKey out to use the standard AWS credential chain (instance role,
        # AWS_* variables, shared credentials file). SecretKey may only be a reference.
        AccessKey    = 'env:OPSRUNBOOKS_S3_ACCESS_KEY'
        SecretKey    = 'env:OPSRUNBOOKS_S3_SECRET_KEY'
        # For an S3-compatible server: Endpoint = 'http://minio.internal:9000'; and, for servers that
        # store aws-chunked bodies undecoded, ChunkEncoding = $false.
        PartSizeMB        = 16
        UploadConcurrency = 4
    }
    # ... or a local directory:
    # Store         = @{ Path = '/var/backups/opsrunbooks' }

    # The OpenPGP public key backups are encrypted to (gpg --armor --export KEYID > backup.pub.asc).
    # Keep the private key off this host.
    EncryptionKey   = '/etc/opsrunbooks/backup.pub.asc'

    # The matching secret key, for integrity tests and restores (gpg --armor --export-secret-keys KEYID).
    # Only hosts that verify or restore need it; it is read when a backup is decrypted. Its passphrase,
    # if it has one, is a reference too.
    DecryptionKey           = '/etc/opsrunbooks/backup.sec.asc'
    DecryptionKeyPassphrase = 'env:OPSRUNBOOKS_BACKUP_KEY_PASSPHRASE'
    # Where restore tests create (and drop) their scratch databases: a DatabaseServers entry. Without it
    # they run on each database's own server.
    RestoreTestServer       = 'restoretest'

    # Limits the checks use; a timespan is days.hours:minutes:seconds. Every key is optional; the values
    # shown are the defaults.
    Thresholds      = @{
        # Test-BackupFreshness: the newest backup of each database must be younger than this...
        BackupMaximumAge          = '1.00:00:00'
        # ...and its size within this many percent of the median of the previous SizeBaselineCount ones
        # (a warning beyond it), critical when it dropped by more than SizeCriticalDropPercent or grew
        # by more than SizeCriticalGrowthPercent.
        SizeWarningPercent        = 20
        SizeCriticalGrowthPercent = 100
        SizeCriticalDropPercent   = 50
        SizeBaselineCount         = 7
        # Invoke-BackupRetention.ps1: keep the newest backup of the last 7 days, 4 ISO weeks and
        # 12 months that have backups, and never fewer than 3 backups of a database.
        RetentionDaily            = 7
        RetentionWeekly           = 4
        RetentionMonthly          = 12
        RetentionKeepMinimum      = 3
    }

    # The checks of Invoke-HealthCheck and runbooks/health/Invoke-MorningHealthCheck.ps1, run concurrently
    # (ThrottleLimit at a time, 16 by default). Each kind is a list of entries; every key but the target is
    # optional, and the values shown are the defaults. Timeout (each entry, default '00:00:10') bounds a check.
    Health          = @{
        ThrottleLimit = 16
        # Test-HttpEndpoint: Unhealthy on another status, a body whose JsonProperty is not ExpectedValue (or
        # is not JSON), or no answer; Degraded when slower than MaximumLatency.
        Http     = @(
            @{ Uri = 'https://api.example.com/health'; ExpectedStatus = 200; JsonProperty = 'status'; ExpectedValue = 'healthy'
               MaximumLatency = '00:00:00.500' }
            @{ Uri = 'https://api.example.com/health/live' }
        )
        # Test-TlsCertificate: Degraded within WarningDays of expiry, Unhealthy within CriticalDays, expired, for
        # another name or not trusted (CertificateAuthority: a root to trust for an internal service).
        Tls      = @(
            @{ HostName = 'api.example.com'; Port = 443; WarningDays = 30; CriticalDays = 7 }
        )
        # Test-PostgresHealth of a DatabaseServers entry; durations are hours:minutes:seconds. MinimumStandbys: how
        # many standbys must stream from it (a primary with one: 1); the cache hit ratio counts from MinimumCacheSample blocks.
        Postgres = @(
            @{ Server = 'primary'; DegradedConnectionPercent = 80; UnhealthyConnectionPercent = 90
               DegradedQueryDuration = '00:05:00'; UnhealthyQueryDuration = '00:10:00'; IdleInTransactionDuration = '00:05:00'
               DegradedLagBytes = 1048576; UnhealthyLagBytes = 104857600; MinimumStandbys = 0
               MinimumCacheHitPercent = 95; MinimumCacheSample = 10000
               DegradedWraparoundPercent = 50; UnhealthyWraparoundPercent = 75 }
        )
        # Test-DiskSpace: Degraded under DegradedFreePercent of space or inodes free, Unhealthy under
        # UnhealthyFreePercent; here, or on ComputerName over SSH with a key (its host key recorded in
        # KnownHostsPath, by default ~/.config/opsrunbooks/known_hosts).
        Disk     = @(
            @{ Path = '/var/lib/postgresql'; DegradedFreePercent = 20; UnhealthyFreePercent = 10 }
            @{ Path = '/var/backups'; ComputerName = 'backup1.internal.example'; Port = 22; User = 'ops'
               KeyFile = '/etc/opsrunbooks/id_ed25519' }
        )
    }

    # The operations log (Get-OperationLog) and notifications. Every state-changing cmdlet records one entry
    # per operation. Every key is optional: without the section entries go to the default file,
    # $XDG_STATE_HOME/opsrunbooks/operations.jsonl (~/.local/state/...).
    Journal         = @{
        # The JSON Lines file, relative to this file unless absolute.
        Path           = '/var/log/opsrunbooks/production.jsonl'
        # A copy of each entry in a PostgreSQL table compatible with the seeds' operation_logs
        # (operation_type, status, details jsonb, created_at, plus ours), created when missing.
        DatabaseServer = 'primary'
        Database       = 'ops'
        Table          = 'operation_logs'
        # Channels by name. Type: Slack (incoming webhook; the whole URL is a secret, so a reference),
        # Grafana (POST <Url>/api/annotations with Tags, Token by reference), Webhook (JSON POST).
        # On: Failure (default), Always, Never (only Send-OpsNotification -Channel).
        Notifications  = @{
            chat    = @{ Type = 'Slack'; Url = 'env:SLACK_WEBHOOK_URL'; On = 'Failure' }
            grafana = @{ Type = 'Grafana'; Url = 'https://grafana.example.internal'; Token = 'env:GRAFANA_TOKEN'
                         Tags = 'backup,postgres'; DashboardUid = 'ops-overview'; On = 'Always' }
            pager   = @{ Type = 'Webhook'; Url = 'env:PAGER_WEBHOOK_URL'; On = 'Failure'; Timeout = '00:00:10'; Attempts = 3; RetryDelay = '00:00:01' }
        }
    }

    # Scaling: the Redis server the job queues are on and the queues Get-QueueDepth -Environment reads.
    # Layout is Horizon (Laravel), Sidekiq, Celery, BullMQ or List; KeyPrefix is Laravel's
    # '<app>_database_', a Sidekiq namespace or BullMQ's prefix (bull: by default).
    Scaling                     = @{
        Redis  = @{
            Server   = 'cache1.internal.example:6379'
            Database = 0
            Password = 'env:OPSRUNBOOKS_PRODUCTION_REDIS_PASSWORD'
        }
        Queues = @{
            Names     = @('default', 'deployments')
            Layout    = 'Horizon'
            KeyPrefix = 'shop_database_'
        }
    }

    # What disaster-recovery drills (runbooks/recovery/Invoke-DisasterRecoveryTest.ps1) may do here and must
    # achieve. Throwaway = $true lets a drill with -Destructive replace a database from its backup: only
    # for an environment whose data does not matter. The objectives are timespans; a drill slower than
    # the RTO, or restoring a backup older than the RPO, fails.
    Recovery        = @{
        Throwaway              = $false
        RecoveryTimeObjective  = '01:00:00'
        RecoveryPointObjective = '1.00:00:00'
    }
}
