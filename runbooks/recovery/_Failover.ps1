# Not a runbook: what Invoke-PlannedSwitchover.ps1 and Invoke-UnplannedFailover.ps1 share; both dot-source it.
# opsrunbook --help and the runbook tests pass over files named _*.ps1.
# The functions are not advanced functions, so $PSCmdlet in them is the runbook's: errors are the runbook's own.

# Writes the error and ends the run with exit code 1.
function Stop-Failover([string] $ErrorId, [string] $Message, [System.Management.Automation.ErrorCategory] $Category, $Target) {
    $PSCmdlet.WriteError([System.Management.Automation.ErrorRecord]::new([System.Exception]::new($Message), $ErrorId, $Category, $Target))
    exit 1
}

# The environment, checked up front to have each of the DatabaseServers entries the run names.
function Get-FailoverEnvironment([string] $Environment, [string] $EnvironmentPath, [string[]] $DatabaseServer) {
    $opsEnvironment = Get-OpsEnvironment -Name $Environment -Path $EnvironmentPath -ErrorAction Stop
    foreach ($name in $DatabaseServer) {
        if ($opsEnvironment.DatabaseServers.Name -notcontains $name) {
            Stop-Failover DatabaseServerNotInEnvironment "The environment '$Environment' has no DatabaseServers entry '$name'; it has: $($opsEnvironment.DatabaseServers.Name -join ', ')." `
                ObjectNotFound $name
        }
    }
    $opsEnvironment
}

# The run's OpsRunbooks.FailoverReport; after it, the promotion's error, if any, ending the run with exit code 1.
function Write-FailoverReport {
    param($OpsEnvironment, [string] $Kind, [string] $Primary, [string] $Standby, [string] $PrimaryCheck, $Status, $LagBytes,
        $Result, $PromotionErrors, [datetime] $Started)

    [pscustomobject]@{
        PSTypeName       = 'OpsRunbooks.FailoverReport'
        Environment      = $OpsEnvironment.Name
        Kind             = $Kind
        OldPrimary       = $Primary
        NewPrimary       = $Standby
        Promoted         = [bool]($Result -and $Result.Promoted)
        PrimaryCheck     = $PrimaryCheck
        LastReceivedLsn  = $Status.ReceiveLsn
        ReceiveAge       = $Status.ReceiveAge
        LagBytes         = $LagBytes
        TimeToPromote    = $Result.TimeToPromote
        TimeToFirstWrite = $Result.TimeToFirstWrite
        Duration         = [datetime]::UtcNow - $Started
        Reason           = if ($Result) { $Result.Reason } else { "$($PromotionErrors[0])" }
        Promotion        = $Result
    }
    if ($PromotionErrors) {
        $PSCmdlet.WriteError($PromotionErrors[0])
        exit 1
    }
}
