# The throwaway local database that tests/services/postgres.sh starts. Its address and password come
# from the variables that script prints (PGHOST, PGPORT, PGUSER, PGPASSWORD); the demo key from
# OPSRUNBOOKS_BACKUP_KEY. Relative paths are relative to this file.
@{
    Name            = 'local'
    DatabaseServers = @{
        primary = @{
            Host     = 'env:PGHOST'
            Port     = 'env:PGPORT'
            User     = 'env:PGUSER'
            Password = 'env:PGPASSWORD'
        }
    }
    Databases       = @(
        @{ Name = 'opsrunbooks_seed'; Server = 'primary' }
    )
    Store           = @{ Path = '../../out/local-store' }
    EncryptionKey   = 'env:OPSRUNBOOKS_BACKUP_KEY'
    Thresholds      = @{
        BackupMaximumAge     = '1.00:00:00'
        RetentionDaily       = 7
        RetentionWeekly      = 4
        RetentionMonthly     = 12
        RetentionKeepMinimum = 3
    }
}
