@{
    RootModule           = 'OpsRunbooks.PowerShell.dll'
    ModuleVersion        = '0.0.0'  # written at build from <Version> in Directory.Build.props
    GUID                 = '5b0f3c1e-7d2a-4c55-9f43-2f8e6a1d9c70'
    Author               = 'OpsRunbooks'
    CompanyName          = 'OpsRunbooks'
    Copyright            = '(c) OpsRunbooks. All rights reserved.'
    Description          = 'Operational runbooks as cmdlets: encrypted, checksummed PostgreSQL backups, restore tests and drills, queue-driven worker scaling, health checks, PostgreSQL operations, SSH and an operations log.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('OpsRunbooks.format.ps1xml')
    CmdletsToExport      = @(
        'Clear-BackupLeftover'
        'Get-BackupRetentionPlan'
        'Get-DatabaseBackup'
        'Get-OpsEnvironment'
        'Invoke-DatabaseBackup'
        'New-BackupStore'
        'Remove-DatabaseBackup'
        'Restore-DatabaseBackup'
        'Test-BackupFreshness'
        'Test-BackupStore'
        'Test-BackupIntegrity'
        'Invoke-RemoteCommand'
        'Test-HttpEndpoint'
        'Test-TlsCertificate'
        'Test-PostgresHealth'
        'Test-DiskSpace'
        'Invoke-HealthCheck'
        'New-WorkerScaleTarget'
        'Get-WorkerScale'
        'Set-WorkerScale'
        'Get-QueueDepth'
        'Get-WorkerScaleRecommendation'
        'Test-RedisHealth'
        'Get-PostgresActivity'
        'Stop-PostgresQuery'
        'Get-PostgresSlowQuery'
        'Invoke-PostgresUpgrade'
        'Get-PostgresReplicationStatus'
        'Invoke-PostgresPromotion'
        'Get-OperationLog'
        'Send-OpsNotification'
        'Write-OperationLog'
        'Get-RestoreEvidence'
        'Export-OpsReport'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('PostgreSQL', 'Backup', 'Runbook', 'Operations')
        }
    }
}
