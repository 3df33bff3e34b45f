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
    # The secret key that integrity tests and restores decrypt with; restore tests make their scratch
    # databases on the same throwaway server.
    DecryptionKey   = 'env:OPSRUNBOOKS_BACKUP_SECRET_KEY'
    RestoreTestServer = 'primary'
    Thresholds      = @{
        BackupMaximumAge     = '1.00:00:00'
        RetentionDaily       = 7
        RetentionWeekly      = 4
        RetentionMonthly     = 12
        RetentionKeepMinimum = 3
    }
}
