# The throwaway local database of ./build.sh demo. Its address and password, and the demo key pair,
# come from the variables that out/demo/env.sh sets (source it first): PGHOST, PGPORT, PGUSER,
# PGPASSWORD, OPSRUNBOOKS_BACKUP_KEY and OPSRUNBOOKS_BACKUP_SECRET_KEY. A variable referred to here
# must be set there (tools/demo/write-env.sh). Relative paths are relative to this file.
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
