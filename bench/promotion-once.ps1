<#
.SYNOPSIS
One Invoke-PostgresPromotion for bench/promotion.sh; prints one machine-readable result line.

.DESCRIPTION
Promotes the standby at -Server/-Port (its primary already stopped by the caller) and writes to standard
output a single line

    BENCH-RESULT promoted=<True|False> to_promote_s=<s> to_first_write_s=<s>

from the PostgresPromotionResult: TimeToPromote (pg_promote until pg_is_in_recovery() is false) and
TimeToFirstWrite (pg_promote until the write check was committed and read back).

The password is read from the environment variable PGPASSWORD, never from the command line.

.EXAMPLE
PGPASSWORD=... dotnet opsrunbook.dll run bench/promotion-once.ps1 -Server 127.0.0.1 -Port 5433 -User opsadmin
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Server,
    [Parameter(Mandatory)] [int] $Port,
    [Parameter(Mandatory)] [string] $User
)

$ErrorActionPreference = 'Stop'
$credential = [pscredential]::new($User, (ConvertTo-SecureString $env:PGPASSWORD -AsPlainText -Force))
$result = Invoke-PostgresPromotion -Server $Server -Port $Port -Credential $credential -Confirm:$false
$invariant = [System.Globalization.CultureInfo]::InvariantCulture
'BENCH-RESULT promoted={0} to_promote_s={1} to_first_write_s={2}' -f $result.Promoted,
    $result.TimeToPromote.TotalSeconds.ToString('0.000', $invariant), $result.TimeToFirstWrite.TotalSeconds.ToString('0.000', $invariant)
