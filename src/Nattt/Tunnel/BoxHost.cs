using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Nattt.Diagnostics;
using Nattt.Packets;
using Nattt.Platform.Linux;
using Nattt.Transport;

namespace Nattt.Tunnel;

/// <summary>
/// The <c>nattt box</c> daemon: a UDP socket for the tunnel, a TUN device for the private network's replies, and the
/// <see cref="BoxEngine"/> between them. Two dedicated threads (socket to TUN, TUN to socket) and a timer for expiry.
/// Start/Stop from one thread; the status and counters may be read from any thread.
/// </summary>
public sealed class BoxHost : IAsyncDisposable
{
    /// <summary>Datagrams per receive call: 32 slots of 64 KiB (2 MiB pinned), enough to empty a busy socket in a few
    /// calls without holding megabytes per host.</summary>
    private const int ReceiveBatchSize = 32;
    /// <summary>Packets per send call (sendmmsg); wireguard-go uses up to 128, 32 already takes most of the gain.</summary>
    private const int SendBatchSize = 32;
    private readonly BoxOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly RateLimitedLog _dropLog;
    private readonly BoxRouting _routing;
    private readonly CancellationTokenSource _stop = new();
    private IUdpBatchSocket? _udp;
    private TunDevice? _tun;
    private ControlServer? _control;
    private MetricsServer? _metrics;
    private Thread? _fromTunnel, _fromLan;
    private ITimer? _expiry;
    private readonly long _startedTicks;

    public BoxHost(BoxOptions options, ILoggerFactory loggers, TimeProvider time)
    {
        _options = options;
        _logger = loggers.CreateLogger("nattt.box");
        _time = time;
        _dropLog = new RateLimitedLog(_logger, time, TimeSpan.FromSeconds(10));
        _routing = new BoxRouting(options, new NetworkConfig(loggers.CreateLogger("nattt.box.net")), _logger);
        Engine = new BoxEngine(new ExposurePolicy(options.Publish), options.Limits, time) { MaxInnerPacket = options.TunMtu };
        _startedTicks = time.GetTimestamp();
    }

    public BoxEngine Engine { get; }

    /// <summary>Sets up the kernel side and starts the loops. Throws <see cref="PlatformException"/> or
    /// <see cref="SocketException"/> with a one-line reason; whatever was set up is removed again.</summary>
    public void Start()
    {
        var why = BoxRouting.WhyNotReady();
        if (why is not null) throw new PlatformException(why);
        _routing.ClearLeftovers();
        try
        {
            _tun = TunDevice.Open(_options.TunName);
            _routing.Install();
            _udp = UdpBatchSockets.Create(OpenSocket(_options.Listen), TimeSpan.FromMilliseconds(200), _options.UdpBatching, _logger);
            _control = new ControlServer(_options.ControlSocket, HandleControl, _logger);
            if (_options.MetricsListen is not null)
                _metrics = new MetricsServer(_options.MetricsListen, RenderMetrics, _logger);
        }
        catch
        {
            _control?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            _udp?.Dispose();
            TearDown();
            throw; // the caller prints the one-line reason
        }
        _fromTunnel = new Thread(FromTunnelLoop) { IsBackground = true, Name = "box tunnel->lan" };
        _fromLan = new Thread(FromLanLoop) { IsBackground = true, Name = "box lan->tunnel" };
        _fromTunnel.Start();
        _fromLan.Start();
        _expiry = _time.CreateTimer(_ => Engine.ExpireIdle(), null, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5));
        _logger.LogInformation("box listening on {Listen} ({Batching}), tun {Tun}, publishing {Publish}", _options.Listen,
            _udp!.Kind, _options.TunName, _options.Publish.Count == 0 ? "nothing" : string.Join(", ", _options.Publish));
        if (_metrics is not null) _logger.LogInformation("metrics on http://{Metrics}/metrics", _metrics.LocalEndPoint);
        _logger.LogInformation("ready");
    }

    private static Socket OpenSocket(IPEndPoint listen)
    {
        var socket = new Socket(listen.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        if (listen.AddressFamily == AddressFamily.InterNetworkV6) socket.DualMode = true;
        socket.ReceiveBufferSize = 4 << 20;
        socket.SendBufferSize = 4 << 20;
        try { socket.Bind(listen); }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new PlatformException($"cannot listen on udp {listen}: {e.Message}");
        }
        return socket;
    }

    /// <summary>Tunnel datagrams to the private network: a batch per receive call (recvmmsg where available), each
    /// packet handed to the engine and written to the TUN device one by one.</summary>
    private void FromTunnelLoop()
    {
        var batch = new UdpBatch(ReceiveBatchSize, UdpBatch.MaxDatagramSize);
        while (!_stop.IsCancellationRequested)
        {
            int n;
            try { n = _udp!.ReceiveBatch(batch, 0); }
            catch (SocketException e) when (!_stop.IsCancellationRequested)
            {
                _dropLog.Warn("receive", $"tunnel socket: {e.SocketErrorCode}");
                continue;
            }
            catch (Exception e) when (e is ObjectDisposedException or SocketException) { return; }
            for (var i = 0; i < n; i++)
            {
                var address = HostEndpoints.Address(batch.Endpoints[i], out var port);
                var payload = batch.Datagram(i, 0);
                var verdict = Engine.FromTunnel(payload, address, port, out var length, out var reason);
                if (verdict == TunnelVerdict.Forward)
                {
                    try
                    {
                        if (!_tun!.Write(payload[..length])) Engine.Counters.Drop(TunnelDropReason.WriteFailed);
                    }
                    catch (ObjectDisposedException) { return; }
                }
                else if (verdict == TunnelVerdict.Drop)
                    _dropLog.Warn(reason.ToString(), $"dropped a tunnel packet from {BoxEngine.Endpoint(address, port)}");
            }
        }
    }

    /// <summary>Replies from the private network into the tunnel: waits for one TUN packet, then takes whatever else
    /// is already queued (up to a batch) without waiting, and sends the batch in one call (sendmmsg where available).
    /// Waiting only for the first packet keeps the added latency at zero when traffic is light.</summary>
    private void FromLanLoop()
    {
        var batch = new UdpBatch(SendBatchSize, Math.Max(_options.TunMtu, 1500));
        var ipv4Socket = _udp!.LocalEndPoint.AddressFamily == AddressFamily.InterNetwork;
        while (!_stop.IsCancellationRequested)
        {
            var count = 0;
            for (var wait = 200; count < batch.Capacity; wait = 0)
            {
                var slot = batch.Slot(count);
                int n;
                try { n = _tun!.Read(slot, wait); }
                catch (ObjectDisposedException) { return; }
                if (n == 0) break;
                var verdict = Engine.FromLan(slot[..n], out var address, out var port, out var length, out var reason);
                if (verdict != TunnelVerdict.Forward)
                {
                    _dropLog.Warn(reason.ToString(), "dropped a packet from the private network");
                    continue;
                }
                if (!address.IsIPv4 && ipv4Socket)
                {
                    Engine.Counters.Drop(TunnelDropReason.FamilyMismatch);
                    continue;
                }
                batch.Lengths[count] = length;
                batch.Endpoints[count] = HostEndpoints.Endpoint(address, port);
                count++;
            }
            if (count == 0) continue;
            int sent;
            try { sent = _udp.SendBatch(batch, 0, count); }
            catch (ObjectDisposedException) { return; }
            catch (SocketException e)
            {
                sent = 0;
                _dropLog.Warn("send", $"sending {count} tunnel datagrams failed: {e.SocketErrorCode}");
            }
            for (var i = sent; i < count; i++) Engine.Counters.Drop(TunnelDropReason.WriteFailed);
        }
    }

    private string? HandleControl(string command) => command switch
    {
        "status" => JsonSerializer.Serialize(Status(), StatusJson.Options),
        _ => null,
    };

    /// <summary>The Prometheus page: the same counters as <see cref="Status"/>.</summary>
    public string RenderMetrics() => TunnelMetrics.Render("box", Engine.FlowCount, Engine.Counters.Snapshot(), _udp?.Counters);

    /// <summary>The engine's counters plus the tunnel socket's own drops.</summary>
    private Dictionary<string, long> StatusCounters()
    {
        var counters = Engine.Counters.Snapshot();
        if (_udp is not null)
        {
            counters["socket_truncated"] = _udp.Counters.Truncated;
            counters["socket_send_failed"] = _udp.Counters.SendFailures;
            counters["socket_receive_errors"] = _udp.Counters.ReceiveErrors;
        }
        return counters;
    }

    public BoxStatus Status() => new(
        Role: "box",
        Listen: _options.Listen.ToString(),
        Tun: _options.TunName,
        Published: _options.Publish.Select(p => p.ToString()).ToList(),
        UptimeSeconds: Math.Round(_time.GetElapsedTime(_startedTicks).TotalSeconds, 1),
        Limits: new Dictionary<string, long>
        {
            ["max_flows"] = _options.Limits.MaxFlows,
            ["max_flows_per_source"] = _options.Limits.MaxFlowsPerSource,
        },
        Counters: StatusCounters(),
        Flows: Engine.SnapshotFlows(),
        UdpBatching: _udp?.Kind ?? "none");

    private void TearDown()
    {
        _tun?.Dispose();
        _tun = null;
        _routing.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _expiry?.Dispose();
        _udp?.Dispose(); // the socket loop's receive ends with ObjectDisposedException within its timeout
        _fromTunnel?.Join();
        _tun?.Dispose(); // the TUN loop notices within its poll timeout
        _fromLan?.Join();
        if (_control is not null) await _control.DisposeAsync();
        if (_metrics is not null) await _metrics.DisposeAsync();
        TearDown();
        _logger.LogInformation("box stopped; routing rules, nft table and {Tun} removed", _options.TunName);
    }
}

public sealed record BoxStatus(
    string Role, string Listen, string Tun, IReadOnlyList<string> Published, double UptimeSeconds,
    Dictionary<string, long> Limits, Dictionary<string, long> Counters, IReadOnlyList<BoxFlowSnapshot> Flows,
    string UdpBatching);

internal static class StatusJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };
}
