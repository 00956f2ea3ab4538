using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Nattt.Turn.Auth;
using Nattt.Turn.Config;
using Nattt.Turn.Policy;
using Nattt.Turn.Server;

namespace Nattt.Turn.Hosting;

/// <summary>
/// `nattt turn-server`'s sockets around <see cref="TurnServerEngine"/>: UDP, TCP and TLS client listeners, one UDP
/// relay socket per allocation, the expiry timer and the metrics endpoint. Every engine call happens under
/// <see cref="_engineLock"/>, which guards the engine, <see cref="_streams"/> and <see cref="_udpSockets"/>'s use.
/// Partial: .Udp (client datagrams and relays), .Streams (TCP and TLS).
/// </summary>
public sealed partial class TurnServerHost : ITurnServerIo, IAsyncDisposable
{
    private readonly object _engineLock = new(); // guards _engine and _streams; held for every engine call
    private readonly TurnServerOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly TurnServerEngine _engine;
    private readonly Dictionary<IPEndPoint, Socket> _udpSockets = [];
    private readonly Dictionary<TurnClientKey, StreamClientConnection> _streams = [];
    private readonly List<Socket> _listeners = [];
    private readonly List<Task> _loops = [];
    private readonly CancellationTokenSource _stop = new();
    private X509Certificate2? _certificate;
    private MetricsHttpServer? _metrics;
    /// <summary>Client sockets are drained by the first loop, relay sockets by the last: with two cores the two
    /// directions of a relayed flow run on two threads (only the engine call is serialized, by _engineLock).</summary>
    private readonly UdpEventLoop[] _udpLoops;

    public TurnServerHost(TurnServerOptions options, ITurnCredentialStore credentials, TimeProvider time, ILoggerFactory loggers)
    {
        _options = options;
        _time = time;
        _logger = loggers.CreateLogger("nattt.turn");
        _udpLoops = Environment.ProcessorCount >= 2 ? [new UdpEventLoop(_logger), new UdpEventLoop(_logger)] : [new UdpEventLoop(_logger)];
        var policy = new TurnPeerPolicy(options.AllowedPeers, options.DeniedPeers, options.AllowDocumentationPeers);
        _engine = new TurnServerEngine(options, credentials, policy, this, time, loggers.CreateLogger("nattt.turn.engine"));
    }

    /// <summary>Builds the credential store the options describe (user lines, user file, shared secrets).</summary>
    public static ITurnCredentialStore CredentialsFrom(TurnServerOptions options, List<string> problems)
    {
        var users = new TurnUserDatabase();
        foreach (var entry in options.Users)
            if (!users.TryAdd(entry, out var error)) problems.Add($"user '{entry.Split(':')[0]}': {error}");
        if (options.UserFile is not null)
        {
            if (File.Exists(options.UserFile)) problems.AddRange(users.Load(options.UserFile));
            else problems.Add($"user file {options.UserFile} does not exist");
        }
        var stores = new List<ITurnCredentialStore> { users };
        if (options.UseAuthSecret) stores.Add(new TurnSharedSecretAuth(options.StaticAuthSecrets, options.RestApiSeparator));
        return new CombinedCredentialStore(stores);
    }

    /// <summary>The endpoints the server listens on, after <see cref="Start"/>.</summary>
    public List<string> Endpoints { get; } = [];
    public IPEndPoint? MetricsEndPoint => _metrics?.EndPoint;

    /// <summary>Counters and the allocation count as Prometheus text.</summary>
    public string RenderMetrics()
    {
        int count;
        lock (_engineLock) count = _engine.AllocationCount;
        return TurnMetrics.Render(_engine.Counters, count);
    }

    /// <summary>Binds every listener and starts the loops. Throws <see cref="SocketException"/> if a port is taken.</summary>
    public void Start()
    {
        var addresses = _options.ListeningIps.Count > 0 ? _options.ListeningIps : [IPAddress.Any];
        if (_options.CertFile is not null && !_options.NoTls)
            _certificate = X509Certificate2.CreateFromPemFile(_options.CertFile, _options.KeyFile);
        foreach (var address in addresses)
        {
            if (!_options.NoUdp) StartUdpListener(new IPEndPoint(address, _options.ListeningPort));
            if (!_options.NoTcp) StartStreamListener(new IPEndPoint(address, _options.ListeningPort), tls: false);
            if (_certificate is not null) StartStreamListener(new IPEndPoint(address, _options.TlsListeningPort), tls: true);
        }
        if (_options.Prometheus)
        {
            _metrics = new MetricsHttpServer(new IPEndPoint(_options.PrometheusAddress, _options.PrometheusPort), RenderMetrics, _logger);
            _metrics.Start();
            Endpoints.Add($"metrics http://{_metrics.EndPoint}/metrics");
        }
        _loops.Add(Task.Run(TimerLoopAsync));
    }

    private async Task TimerLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            DateTimeOffset next;
            lock (_engineLock) next = _engine.Tick();
            var wait = next - _time.GetUtcNow();
            if (wait < TimeSpan.FromMilliseconds(100)) wait = TimeSpan.FromMilliseconds(100);
            if (wait > TimeSpan.FromSeconds(1)) wait = TimeSpan.FromSeconds(1);
            try { await Task.Delay(wait, _time, _stop.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>Which local address relays of a family bind to: relay-ip, else a listening address, else the
    /// first global address of an interface.</summary>
    private IPAddress? RelayAddress(AddressFamily family)
    {
        foreach (var a in _options.RelayIps) if (a.AddressFamily == family) return a;
        if (_options.RelayIps.Count > 0) return null;
        foreach (var a in _options.ListeningIps)
            if (a.AddressFamily == family && !a.Equals(IPAddress.Any) && !a.Equals(IPAddress.IPv6Any)) return a;
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.OperationalStatus != OperationalStatus.Up) continue;
            foreach (var u in nic.GetIPProperties().UnicastAddresses)
            {
                var a = u.Address;
                if (a.AddressFamily != family || IPAddress.IsLoopback(a) || a.IsIPv6LinkLocal) continue;
                return a;
            }
        }
        return null;
    }

    /// <summary>external-ip: the public address advertised for a relay bound to <paramref name="local"/>.</summary>
    private IPAddress Advertised(IPAddress local)
    {
        foreach (var (pub, priv) in _options.ExternalIps)
            if (priv is null ? pub.AddressFamily == local.AddressFamily : priv.Equals(local)) return pub;
        return local;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (var l in _listeners) l.Dispose();
        lock (_engineLock)
        {
            foreach (var s in _udpSockets.Values) s.Dispose();
            foreach (var a in _engine.Allocations.ToArray()) CloseRelay(a);
            foreach (var c in _streams.Values) { c.Complete(); c.Stream.Dispose(); }
        }
        foreach (var loop in _udpLoops) loop.Dispose();
        if (_metrics is not null) await _metrics.DisposeAsync().ConfigureAwait(false);
        try { await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false); }
        catch (TimeoutException) { _logger.LogWarning("some loops did not stop within 5 s"); }
        _certificate?.Dispose();
        _stop.Dispose();
    }
}
