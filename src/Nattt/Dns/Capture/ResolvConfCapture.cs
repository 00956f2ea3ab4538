using System.Net;
using Nattt.Dns.Proxy;

namespace Nattt.Dns.Capture;

/// <summary>
/// Captures the host's DNS through resolv.conf (the paper's "system's configuration"): saves the file (or the symlink)
/// beside it as <c>PATH.nattt-backup</c>, writes one that names the proxy, and restores the original on
/// <see cref="Uninstall"/>. A backup left by a crashed run is restored first. A resolv.conf that is a symlink to
/// systemd-resolved's stub is left alone unless forced (docs/dns.md "Living with systemd-resolved"): resolved
/// rewrites it, and replacing it takes the stub out of the loop for every program. Not thread-safe (start/stop only).
/// </summary>
public sealed class ResolvConfCapture(string path = "/etc/resolv.conf")
{
    public const string Marker = "# written by nattt dns proxy; the original is in ";
    public string Path { get; } = path;
    public string BackupPath => Path + ".nattt-backup";
    /// <summary>For a symlinked resolv.conf, where the link pointed (stored in the backup file as <c>symlink TARGET</c>).</summary>
    private const string SymlinkPrefix = "symlink ";

    /// <summary>True when resolv.conf is systemd-resolved's (a symlink into /run/systemd/resolve).</summary>
    public bool IsSystemdResolvedStub()
    {
        var info = new FileInfo(Path);
        return info.LinkTarget is { } target && target.Contains("systemd/resolve", StringComparison.Ordinal);
    }

    /// <summary>Restores a backup left by a crash, then points resolv.conf at <paramref name="proxy"/> (keeping the
    /// original's search, domain and options lines). Returns the original's nameservers (the proxy's upstreams).</summary>
    public IReadOnlyList<IPEndPoint> Install(IPAddress proxy, bool forceOverSystemdResolved)
    {
        if (File.Exists(BackupPath)) Uninstall();
        if (IsSystemdResolvedStub() && !forceOverSystemdResolved)
            throw new InvalidOperationException(
                $"{Path} is systemd-resolved's stub ({new FileInfo(Path).LinkTarget}); use the nft capture mode, or force the resolv.conf mode");
        var info = new FileInfo(Path);
        var original = File.Exists(Path) ? File.ReadAllText(Path) : "";
        var upstreams = ResolvConf.Parse(original, new IPEndPoint(proxy, 53));
        if (info.LinkTarget is { } link) File.WriteAllText(BackupPath, SymlinkPrefix + link + "\n");
        else if (info.Exists) File.Copy(Path, BackupPath);
        else File.WriteAllText(BackupPath, "");
        var kept = original.Split('\n').Where(l => l.StartsWith("search", StringComparison.Ordinal) || l.StartsWith("domain", StringComparison.Ordinal)
                                                   || l.StartsWith("options", StringComparison.Ordinal));
        var text = Marker + BackupPath + "\n" + string.Join("", kept.Select(l => l + "\n")) + $"nameserver {proxy}\n";
        var temp = Path + ".nattt-new";
        File.WriteAllText(temp, text);
        File.Move(temp, Path, overwrite: true); // atomic: a reader sees the old or the new file, never half of one
        return upstreams;
    }

    /// <summary>Puts the original back (file or symlink) if ours is still in place, and removes the backup.
    /// Idempotent. If someone replaced our file meanwhile, theirs is kept and only the backup goes.</summary>
    public void Uninstall()
    {
        if (!File.Exists(BackupPath)) return;
        var backup = File.ReadAllText(BackupPath);
        var ours = File.Exists(Path) && new FileInfo(Path).LinkTarget is null && File.ReadAllText(Path).StartsWith(Marker, StringComparison.Ordinal);
        if (ours || !File.Exists(Path))
        {
            if (backup.StartsWith(SymlinkPrefix, StringComparison.Ordinal))
            {
                File.Delete(Path);
                File.CreateSymbolicLink(Path, backup[SymlinkPrefix.Length..].TrimEnd('\n'));
            }
            else
            {
                File.Copy(BackupPath, Path + ".nattt-new", overwrite: true);
                File.Move(Path + ".nattt-new", Path, overwrite: true);
            }
        }
        File.Delete(BackupPath);
    }
}
